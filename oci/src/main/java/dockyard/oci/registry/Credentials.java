package dockyard.oci.registry;

import java.util.Map;
import java.util.Optional;

/** User name and password for a registry host (as written in references, e.g. {@code localhost:5000}, {@code docker.io}). */
@FunctionalInterface
public interface Credentials {
  record Login(String username, String password) {
    public Login {
      if (username == null || password == null) throw new IllegalArgumentException("username and password must not be null");
    }

    @Override
    public String toString() {
      return "Login[" + username + ", password hidden]";
    }
  }

  Optional<Login> lookup(String registry);

  static Credentials none() {
    return registry -> Optional.empty();
  }

  static Credentials of(String registry, String username, String password) {
    Login login = new Login(username, password);
    return r -> r.equals(registry) ? Optional.of(login) : Optional.empty();
  }

  static Credentials of(Map<String, Login> byRegistry) {
    Map<String, Login> copy = Map.copyOf(byRegistry);
    return r -> Optional.ofNullable(copy.get(r));
  }
}
