package dockyard.p9.server;

import dockyard.p9.Endpoint;
import dockyard.p9.client.P9Client;
import dockyard.p9.codec.*;
import dockyard.p9.testing.MemFs;
import dockyard.p9.testing.RawConnection;
import dockyard.p9.testing.RecordingLogger;
import net.jqwik.api.*;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A negotiated connection sending arbitrary well-formed requests (random fids, offsets, counts,
 * names) and then garbage: the server answers or disconnects, never fails internally, and keeps
 * serving everyone else.
 */
class ServerFuzzTest {
    private static MemFs fs;
    private static RecordingLogger log;
    private static P9Server server;

    @BeforeContainer
    static void start() throws Exception {
        fs = new MemFs();
        fs.file("a/b/c", "some content");
        fs.file("a/d", "more");
        log = new RecordingLogger();
        server = P9Server.start(fs, Endpoint.tcp("127.0.0.1", 0), P9Server.Options.defaults().withMaxMsize(8192).withLogger(log));
    }

    @AfterContainer
    static void stop() { server.close(); }

    @Provide Arbitrary<List<Request>> requests() {
        Arbitrary<Integer> fids = Arbitraries.integers().between(-1, 4);
        Arbitrary<Integer> tags = Arbitraries.integers().between(0, 0xFFFE);
        Arbitrary<String> names = Arbitraries.of("a", "b", "c", "d", "..", ".", "", "nope", "x/y", "new");
        Arbitrary<Long> offsets = Arbitraries.oneOf(Arbitraries.longs().between(0, 20), Arbitraries.longs());
        Arbitrary<Integer> counts = Arbitraries.oneOf(Arbitraries.integers().between(0, 50), Arbitraries.integers());
        Arbitrary<Integer> modes = Arbitraries.integers().between(0, 0xFF);
        Arbitrary<Request> one = Arbitraries.oneOf(
                Combinators.combine(tags, fids, fids, names.list().ofMaxSize(4)).as(Twalk::new),
                Combinators.combine(tags, fids, modes).as(Topen::new),
                Combinators.combine(tags, fids, names, Arbitraries.integers(), modes, Arbitraries.just("")).as(Tcreate::new),
                Combinators.combine(tags, fids, offsets, counts).as(Tread::new),
                Combinators.combine(tags, fids, offsets, Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(ByteBuffer::wrap)).as(Twrite::new),
                Combinators.combine(tags, fids).as(Tclunk::new),
                Combinators.combine(tags, fids).as(Tremove::new),
                Combinators.combine(tags, fids).as(Tstat::new),
                Combinators.combine(tags, fids, names).as((t, f, n) -> new Twstat(t, f, dockyard.p9.Stat.dontTouch().withName(n))),
                Combinators.combine(tags, tags).as(Tflush::new),
                Combinators.combine(tags, fids, Arbitraries.just(Message.NOFID), names, names, Arbitraries.just(Tattach.NONUNAME)).as(Tattach::new));
        return one.list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 60)
    void randomRequestsAreAnsweredWithoutInternalFailures(@ForAll("requests") List<Request> requests,
                                                          @ForAll byte[] garbage) throws Exception {
        try (RawConnection r = RawConnection.attached(server.endpoint(), 8192)) {
            for (Request q : requests) {
                r.send(q);
                // Sequential on purpose: each answer must arrive, and be for this tag (a Tflush may be for any tag).
                Message answer = r.receive();
                assertEquals(q.tag(), answer.tag(), () -> q + " answered by " + answer);
            }
            r.sendRaw(garbage);
        }
        assertTrue(log.warnings().stream().noneMatch(w -> w.contains("unexpectedly")), log.warnings().toString());
        try (P9Client c = P9Client.connect(server.endpoint())) {
            assertTrue(c.stat("").isDir(), "the server still serves others");
        }
    }
}
