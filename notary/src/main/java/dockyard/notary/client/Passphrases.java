package dockyard.notary.client;

import java.io.Console;
import java.util.Locale;
import java.util.Map;

/**
 * Where a key's passphrase comes from, as in notary: NOTARY_ROOT_PASSPHRASE,
 * NOTARY_TARGETS_PASSPHRASE, NOTARY_SNAPSHOT_PASSPHRASE and NOTARY_DELEGATION_PASSPHRASE (for
 * targets/… roles), else a prompt on the terminal.
 */
@FunctionalInterface
public interface Passphrases {
  /** The passphrase for a key of {@code role}; {@code creating} when a new key is being encrypted. */
  char[] forRole(String role, String keyId, boolean creating);

  static String variable(String role) {
    String base = role.startsWith("targets/") ? "delegation" : role;
    return "NOTARY_" + base.toUpperCase(Locale.ROOT) + "_PASSPHRASE";
  }

  /** The environment's variables, then the console; with neither, a clear error. */
  static Passphrases fromEnvironment(Map<String, String> env) {
    return (role, keyId, creating) -> {
      String v = env.get(variable(role));
      if (v != null) return v.toCharArray();
      Console c = System.console();
      if (c == null) {
        throw new IllegalStateException("no passphrase for the " + role + " key " + keyId.substring(0, Math.min(7, keyId.length()))
            + ": set " + variable(role) + " (there is no terminal to ask on)");
      }
      String prompt = (creating ? "Enter passphrase for new " : "Enter passphrase for ") + role + " key with ID " + keyId.substring(0, Math.min(7, keyId.length())) + ": ";
      char[] p = c.readPassword(prompt);
      if (creating) {
        char[] again = c.readPassword("Repeat passphrase for new " + role + " key with ID " + keyId.substring(0, Math.min(7, keyId.length())) + ": ");
        if (!java.util.Arrays.equals(p, again)) throw new IllegalStateException("passphrases do not match");
      }
      return p;
    };
  }

  /** One passphrase for every key (tests, scripts). */
  static Passphrases fixed(String passphrase) {
    return (role, keyId, creating) -> passphrase.toCharArray();
  }
}
