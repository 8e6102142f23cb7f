package dockyard.datakit.store;

/** A refused store operation; the message is what a 9P client sees. */
public class DataKitException extends Exception {
    public enum Kind { NOT_FOUND, EXISTS, INVALID, CONFLICT, NOT_EMPTY, NOT_DIRECTORY, IS_DIRECTORY, TOO_BIG, IO }

    private final Kind kind;

    public DataKitException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DataKitException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
