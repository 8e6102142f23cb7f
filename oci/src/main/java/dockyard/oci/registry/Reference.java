package dockyard.oci.registry;

import dockyard.oci.Digest;
import java.util.regex.Pattern;

/**
 * An image reference as Docker and the distribution spec write it: {@code [host[:port]/]repo/name[:tag][@digest]}.
 * Docker Hub defaults apply: no host means {@code docker.io}, and a one-component Docker Hub name gets
 * {@code library/}. Without tag or digest the tag is {@code latest}. {@code digest} may be null, {@code tag}
 * may be null when a digest is given.
 */
public record Reference(String registry, String repository, String tag, Digest digest) {
  public static final String DOCKER_HUB = "docker.io";
  /** Where Docker Hub's registry API really lives. */
  public static final String DOCKER_HUB_API = "registry-1.docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern HOST = Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");

  public Reference {
    if (registry == null || registry.isEmpty()) throw new IllegalArgumentException("registry must not be empty");
    if (repository == null || repository.isEmpty()) throw new IllegalArgumentException("repository must not be empty");
    if (tag == null && digest == null) throw new IllegalArgumentException("a reference needs a tag or a digest");
  }

  /**
   * Parses {@code text}; errors say what is wrong with which part.
   * @throws IllegalArgumentException for anything that is not a valid reference
   */
  public static Reference parse(String text) {
    if (text == null || text.isEmpty()) throw new IllegalArgumentException("invalid image reference: empty");
    String rest = text;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      try {
        digest = Digest.parse(d);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid image reference \"" + text + "\": invalid digest \"" + d + "\": " + e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int slash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > slash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("invalid image reference \"" + text + "\": invalid tag \"" + tag
            + "\" (letters, digits, _ . - up to 128 characters, not starting with . or -)");
      }
    }
    String registry = DOCKER_HUB;
    String repo = rest;
    int first = rest.indexOf('/');
    if (first >= 0) {
      String head = rest.substring(0, first);
      if (head.contains(".") || head.contains(":") || head.equals("localhost") || !head.equals(head.toLowerCase())) {
        if (!HOST.matcher(head).matches()) throw new IllegalArgumentException("invalid image reference \"" + text + "\": invalid registry host \"" + head + "\"");
        registry = head;
        repo = rest.substring(first + 1);
      }
    }
    if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_API)) registry = DOCKER_HUB;
    if (repo.isEmpty()) throw new IllegalArgumentException("invalid image reference \"" + text + "\": no repository name");
    for (String c : repo.split("/", -1)) {
      if (!COMPONENT.matcher(c).matches()) {
        throw new IllegalArgumentException("invalid image reference \"" + text + "\": invalid repository name component \"" + c
            + "\" (lower-case letters and digits, separated by . _ __ or dashes)");
      }
    }
    if (repo.length() > 255) throw new IllegalArgumentException("invalid image reference \"" + text + "\": repository name longer than 255 characters");
    if (registry.equals(DOCKER_HUB) && !repo.contains("/")) repo = "library/" + repo;
    if (tag == null && digest == null) tag = "latest";
    return new Reference(registry, repo, tag, digest);
  }

  /** The host (and port) to talk to: Docker Hub's API host for {@code docker.io}. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
  }

  /** The digest if there is one, else the tag: what goes in {@code /v2/<name>/manifests/<reference>}. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  public Reference withDigest(Digest d) {
    return new Reference(registry, repository, tag, d);
  }

  public Reference withTag(String t) {
    return new Reference(registry, repository, t, digest);
  }

  @Override
  public String toString() {
    return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
