package dockyard.p9.client;

import java.util.ArrayList;
import java.util.List;

/** '/'-separated paths relative to the attach root, as walk elements. */
final class PathNames {
    private PathNames() {}

    /** The walk elements of {@code path}: empty segments and "." dropped, ".." kept for the server. */
    static List<String> split(String path) {
        List<String> names = new ArrayList<>();
        for (String part : path.split("/")) if (!part.isEmpty() && !part.equals(".")) names.add(part);
        return names;
    }

    /** All but the last element; for creating {@code path} in its directory. */
    static List<String> parent(String path) {
        List<String> names = split(path);
        return names.subList(0, names.size() - 1);
    }

    /** The last element: the name a create would give. */
    static String name(String path) {
        List<String> names = split(path);
        if (names.isEmpty()) throw new IllegalArgumentException("path '" + path + "' names the root, not a file in it");
        String last = names.getLast();
        if (last.equals("..")) throw new IllegalArgumentException("path '" + path + "' does not end in a file name");
        return last;
    }
}
