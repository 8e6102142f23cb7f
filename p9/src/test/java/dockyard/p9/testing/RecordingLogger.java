package dockyard.p9.testing;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A System.Logger that keeps WARNING and above, for tests that check what the server reports. */
public final class RecordingLogger implements System.Logger {
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    public List<String> warnings() { return warnings; }

    @Override public String getName() { return "test"; }

    @Override public boolean isLoggable(Level level) { return level.getSeverity() >= Level.WARNING.getSeverity(); }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        if (isLoggable(level)) warnings.add(msg + (thrown == null ? "" : " " + thrown));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (isLoggable(level)) warnings.add(params == null || params.length == 0 ? format : MessageFormat.format(format, params));
    }
}
