package dockyard.p9.client;

import dockyard.p9.codec.ProtocolException;
import dockyard.p9.codec.Response;
import dockyard.p9.codec.Rerror;

/** Turns an answer into the expected message type, or into the exception it stands for. */
final class Responses {
    private Responses() {}

    static <T extends Response> T expect(Response r, Class<T> type) throws RemoteException, ProtocolException {
        if (type.isInstance(r)) return type.cast(r);
        if (r instanceof Rerror e) throw new RemoteException(e.ename(), e.errno());
        throw new ProtocolException("expected " + type.getSimpleName() + " but got " + r.type().displayName());
    }
}
