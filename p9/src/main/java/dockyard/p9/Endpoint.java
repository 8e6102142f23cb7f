package dockyard.p9;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.ProtocolFamily;
import java.nio.file.Path;

/**
 * A listen or dial address written as {@code tcp://HOST:PORT} or {@code unix:PATH} (also
 * {@code unix://PATH}), the forms DataKit and the CLI accept.
 */
public record Endpoint(SocketAddress address) {

    public static Endpoint parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty address; expected tcp://HOST:PORT or unix:PATH");
        if (text.startsWith("unix://")) return unix(Path.of(text.substring("unix://".length())));
        if (text.startsWith("unix:")) return unix(Path.of(text.substring("unix:".length())));
        String hostPort = text.startsWith("tcp://") ? text.substring("tcp://".length()) : text;
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1)
            throw new IllegalArgumentException("bad address '" + text + "': expected tcp://HOST:PORT or unix:PATH");
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in address '" + text + "'");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range in address '" + text + "'");
        return new Endpoint(new InetSocketAddress(host, port));
    }

    public static Endpoint tcp(String host, int port) { return new Endpoint(new InetSocketAddress(host, port)); }

    public static Endpoint unix(Path path) { return new Endpoint(UnixDomainSocketAddress.of(path)); }

    public ProtocolFamily family() {
        return address instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX
                : ((InetSocketAddress) address).getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
    }

    @Override public String toString() {
        if (address instanceof UnixDomainSocketAddress u) return "unix:" + u.getPath();
        InetSocketAddress i = (InetSocketAddress) address;
        return "tcp://" + i.getHostString() + ":" + i.getPort();
    }
}
