package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Locale;

/**
 * The platform an image runs on (image-spec "platform" object, also the config's os/architecture).
 * {@link #normalized()} maps the spellings other tools use ({@code x86_64}, {@code aarch64},
 * {@code armhf}) to the Go names the specs use, which is what matching compares.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"architecture", "os", "os.version", "os.features", "variant"})
public record Platform(
    String architecture,
    String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    String variant) {

  public static final Platform LINUX_AMD64 = new Platform("amd64", "linux", null, null, null);

  public Platform {
    Checks.required(architecture, "architecture");
    Checks.required(os, "os");
    osFeatures = Checks.list(osFeatures, "os.features");
    if (variant != null && variant.isEmpty()) variant = null; // Docker writes "variant": "" for none
    if (osVersion != null && osVersion.isEmpty()) osVersion = null;
  }

  public static Platform of(String os, String architecture, String variant) {
    return new Platform(architecture, os, null, null, variant);
  }

  /** Parses {@code os/arch[/variant]}, the form of {@code --platform} flags, e.g. {@code linux/arm64/v8}. */
  public static Platform parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty() || (parts.length == 3 && parts[2].isEmpty())) {
      throw new IllegalArgumentException("invalid platform \"" + text + "\": want os/arch or os/arch/variant");
    }
    return of(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
  }

  /**
   * The canonical spelling: Go architecture names, arm64's implied v8 variant made explicit, arm
   * defaulting to v7 as containerd does, lower case.
   */
  public Platform normalized() {
    String o = os.toLowerCase(Locale.ROOT);
    String a = architecture.toLowerCase(Locale.ROOT);
    String v = variant == null ? null : variant.toLowerCase(Locale.ROOT);
    switch (a) {
      case "x86_64", "x86-64" -> { a = "amd64"; if ("v1".equals(v)) v = null; }
      case "amd64" -> { if ("v1".equals(v)) v = null; }
      case "i386", "i486", "i586", "i686" -> a = "386";
      case "aarch64", "arm64" -> { a = "arm64"; if (v == null || v.equals("8")) v = "v8"; }
      case "armhf" -> { a = "arm"; v = "v7"; }
      case "armel" -> { a = "arm"; v = "v6"; }
      case "arm" -> { if (v == null) v = "v7"; else if (v.matches("[5-8]")) v = "v" + v; }
      default -> {}
    }
    return new Platform(a, o, osVersion, osFeatures, v);
  }

  /** {@code os/arch[/variant]}. */
  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
