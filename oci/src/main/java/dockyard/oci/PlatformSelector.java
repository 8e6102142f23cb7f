package dockyard.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Picks one manifest for a platform from an index or manifest list. Platforms are compared in
 * their {@link Platform#normalized() normal form}; an exact variant wins, and 32-bit arm falls
 * back to older variants its CPU also runs (v7 runs v6 and v5 code), as containerd does. Entries
 * without a platform are never picked: an index that leaves it out gives nothing to choose by.
 */
public final class PlatformSelector {
  private final Platform wanted;

  private PlatformSelector(Platform wanted) {
    this.wanted = wanted.normalized();
  }

  /** linux/amd64: LinuxKit's and Docker's default when nothing else is asked for. */
  public static PlatformSelector defaultSelector() {
    return new PlatformSelector(Platform.LINUX_AMD64);
  }

  public static PlatformSelector of(Platform wanted) {
    return new PlatformSelector(Objects.requireNonNull(wanted, "platform"));
  }

  /** {@code os/arch[/variant]}. */
  public static PlatformSelector of(String wanted) {
    return of(Platform.parse(wanted));
  }

  public Platform wanted() {
    return wanted;
  }

  /** Whether an image for {@code candidate} runs on the wanted platform. */
  public boolean matches(Platform candidate) {
    return rank(candidate) >= 0;
  }

  /** The best manifest for the wanted platform, if any. */
  public Optional<Descriptor> find(Index index) {
    Descriptor best = null;
    int bestRank = Integer.MAX_VALUE;
    for (Descriptor d : index.manifests()) {
      if (d.platform() == null) continue;
      int r = rank(d.platform());
      if (r >= 0 && r < bestRank) { // strictly better: the first of equals wins, as the index orders them
        best = d;
        bestRank = r;
      }
    }
    return Optional.ofNullable(best);
  }

  /** As {@link #find}, failing with the platforms that are there. */
  public Descriptor select(Index index, String source) throws OciException {
    Optional<Descriptor> found = find(index);
    if (found.isPresent()) return found.get();
    List<String> available = new ArrayList<>();
    for (Descriptor d : index.manifests()) available.add(d.platform() == null ? "(no platform)" : d.platform().toString());
    throw new OciException(source + ": no manifest for platform " + wanted + " (available: "
        + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
  }

  /** 0 for an exact match, larger for acceptable fallbacks, -1 for no match. */
  private int rank(Platform candidate) {
    Platform c = candidate.normalized();
    if (!c.os().equals(wanted.os()) || !c.architecture().equals(wanted.architecture())) return -1;
    if (wanted.osVersion() != null && !wanted.osVersion().equals(c.osVersion())) return -1;
    if (Objects.equals(c.variant(), wanted.variant())) return 0;
    if (wanted.architecture().equals("arm")) {
      int want = armLevel(wanted.variant());
      int have = armLevel(c.variant());
      return want > 0 && have > 0 && have < want ? want - have : -1;
    }
    if (wanted.variant() == null) return 1; // no preference stated: any variant will do, after none
    return -1;
  }

  private static int armLevel(String variant) {
    if (variant == null || !variant.matches("v[5-8]")) return -1;
    return variant.charAt(1) - '0';
  }
}
