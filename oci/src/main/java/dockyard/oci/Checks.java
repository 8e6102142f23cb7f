package dockyard.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Defensive copies for the records' compact constructors. Absent stays null (JSON that omitted a
 * field must serialize without it); present collections become unmodifiable, maps and sets sorted
 * so that serialization is canonical; a null element is refused with the field named.
 */
final class Checks {
  private Checks() {}

  static <T> List<T> list(List<T> values, String field) {
    if (values == null) return null;
    List<T> copy = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      T v = values.get(i);
      if (v == null) throw new IllegalArgumentException(field + "[" + i + "] is null");
      copy.add(v);
    }
    return Collections.unmodifiableList(copy);
  }

  static Map<String, String> map(Map<String, String> values, String field) {
    if (values == null) return null;
    TreeMap<String, String> copy = new TreeMap<>();
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (e.getKey() == null) throw new IllegalArgumentException(field + " has a null key");
      if (e.getValue() == null) throw new IllegalArgumentException(field + "[\"" + e.getKey() + "\"] is null");
      copy.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableSortedMap(copy);
  }

  static Set<String> set(Set<String> values, String field) {
    if (values == null) return null;
    TreeSet<String> copy = new TreeSet<>();
    for (String v : values) {
      if (v == null) throw new IllegalArgumentException(field + " contains null");
      copy.add(v);
    }
    return Collections.unmodifiableSortedSet(copy);
  }

  static void required(Object value, String field) {
    if (value == null) throw new IllegalArgumentException("missing required field \"" + field + "\"");
  }
}
