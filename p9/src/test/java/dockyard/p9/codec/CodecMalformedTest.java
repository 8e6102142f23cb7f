package dockyard.p9.codec;

import dockyard.p9.Qid;
import dockyard.p9.Stat;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Known wire bytes, and each kind of malformed frame with the reason it is rejected. */
class CodecMalformedTest {
    private final Codec plain = new Codec(Dialect.P9_2000);
    private final Codec unix = new Codec(Dialect.P9_2000_U);

    @Test
    void tversionMatchesTheSpecifiedLayout() throws Exception {
        ByteBuffer f = plain.encode(new Tversion(Message.NOTAG, 8192, "9P2000"));
        assertEquals("13000000" + "64" + "ffff" + "00200000" + "0600" + "395032303030", hex(f));
    }

    @Test
    void rerrorCarriesErrnoOnlyIn9P2000u() throws Exception {
        assertEquals("0c000000" + "6b" + "0100" + "0300" + "626164", hex(plain.encode(new Rerror(1, "bad", 2))));
        assertEquals("10000000" + "6b" + "0100" + "0300" + "626164" + "02000000", hex(unix.encode(new Rerror(1, "bad", 2))));
        assertEquals(new Rerror(1, "bad", 0), plain.decode(plain.encode(new Rerror(1, "bad", 2))), "9P2000 has no errno");
    }

    @Test
    void statSizesFollowTheSpec() throws Exception {
        Stat empty = new Stat((short) 0, 0, Qid.file(1), 0, 0, 0, 0, "", "", "", "", "", 0, 0, 0);
        assertEquals(49, Codec.statSize(empty, Dialect.P9_2000), "STATFIXLEN of 9P2000");
        assertEquals(63, Codec.statSize(empty, Dialect.P9_2000_U), "plus extension[s] n_uid n_gid n_muid");
        assertEquals(47, Codec.encodeStat(empty, Dialect.P9_2000).order(ByteOrder.LITTLE_ENDIAN).getShort(0), "size excludes itself");
    }

    @Test
    void rejectsAFrameShorterThanTheHeader() {
        assertProblem("shorter than the 7-byte header", new byte[]{5, 0, 0, 0, 100});
    }

    @Test
    void rejectsASizeFieldThatDisagreesWithTheFrame() throws Exception {
        byte[] f = bytes(plain.encode(new Tclunk(1, 2)));
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(0, f.length + 3);
        assertProblem("size field says", f);
    }

    @Test
    void rejectsUnknownTypesAndTerror() throws Exception {
        byte[] f = bytes(plain.encode(new Tclunk(1, 2)));
        f[4] = (byte) 200;
        assertProblem("unknown message type 200", f);
        f[4] = 106;
        assertProblem("unknown message type 106", f);
    }

    @Test
    void rejectsTruncatedStrings() throws Exception {
        // Tversion whose version string claims 10 bytes but carries 3.
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 4 + 2 + 3).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(b.capacity()).put((byte) 100).putShort((short) 0xFFFF).putInt(8192).putShort((short) 10).put("9P2".getBytes());
        assertProblem("Tversion: version length 10 runs past the end of the frame", b.array());
    }

    @Test
    void rejectsATruncatedFixedField() throws Exception {
        byte[] f = java.util.Arrays.copyOf(bytes(plain.encode(new Tread(1, 2, 3, 4))), 15);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(0, f.length);
        assertProblem("Tread: truncated offset", f);
    }

    @Test
    void rejectsMoreThanSixteenWalkElements() {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 4 + 4 + 2 + 17 * 3).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(b.capacity()).put((byte) 110).putShort((short) 1).putInt(0).putInt(1).putShort((short) 17);
        for (int i = 0; i < 17; i++) b.putShort((short) 1).put((byte) 'a');
        assertProblem("17 walk elements exceed the maximum of 16", b.array());
        assertThrows(IllegalArgumentException.class, () -> new Twalk(1, 0, 1, Collections.nCopies(17, "a")));
    }

    @Test
    void rejectsRreadCountBeyondTheFrame() {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 4 + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(b.capacity()).put((byte) 117).putShort((short) 1).putInt(100).putShort((short) 0);
        assertProblem("Rread: data of 100 bytes runs past the end of the frame", b.array());
    }

    @Test
    void rejectsStatSizeMismatches() throws Exception {
        Stat s = Stat.of(Qid.file(7), "name", 0644, 10, 0);
        byte[] good = bytes(unix.encode(new Rstat(1, s)));
        assertEquals(new Rstat(1, s), unix.decode(ByteBuffer.wrap(good)));

        byte[] outerWrong = good.clone();
        outerWrong[7]--; // n[2] of the Rstat
        assertProblem("stat size mismatch", outerWrong, unix);

        byte[] innerWrong = good.clone();
        innerWrong[9]--; // size[2] of the stat itself
        assertProblem("stat size mismatch", innerWrong, unix);

        // A 9P2000.u stat read as plain 9P2000 leaves its extension fields unread.
        assertProblem("stat size mismatch", good, plain);
    }

    @Test
    void rejectsTrailingBytes() throws Exception {
        byte[] f = java.util.Arrays.copyOf(bytes(plain.encode(new Tclunk(1, 2))), 13);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 13);
        assertProblem("Tclunk: 2 unexpected trailing bytes", f);
    }

    @Test
    void refusesFramesAboveTheMaximumSize() throws Exception {
        Codec small = new Codec(Dialect.P9_2000_U, 64);
        byte[] big = bytes(unix.encode(Rread.of(1, new byte[100])));
        assertProblem("exceeds the maximum frame size 64", big, small);
        ProtocolException e = assertThrows(ProtocolException.class, () -> small.encode(Rread.of(1, new byte[100])));
        assertTrue(e.getMessage().contains("Rread of 111 bytes exceeds"), e.getMessage());

        FrameReader reader = new FrameReader(Channels.newChannel(new ByteArrayInputStream(big)));
        e = assertThrows(ProtocolException.class, () -> reader.read(64));
        assertTrue(e.getMessage().contains("frame size 111 exceeds the maximum message size 64"), e.getMessage());
    }

    @Test
    void frameReaderRejectsTinySizesAndReportsTruncation() throws Exception {
        FrameReader tiny = new FrameReader(Channels.newChannel(new ByteArrayInputStream(new byte[]{3, 0, 0, 0})));
        assertTrue(assertThrows(ProtocolException.class, () -> tiny.read(1000)).getMessage().contains("smaller than the 7-byte header"));

        byte[] f = bytes(plain.encode(new Tclunk(1, 2)));
        FrameReader cut = new FrameReader(Channels.newChannel(new ByteArrayInputStream(java.util.Arrays.copyOf(f, 9))));
        assertThrows(EOFException.class, () -> cut.read(1000));

        FrameReader empty = new FrameReader(Channels.newChannel(new ByteArrayInputStream(new byte[0])));
        assertNull(empty.read(1000), "end of stream between frames is a clean close");
    }

    @Test
    void encodingRefusesUnrepresentableValues() {
        String huge = "x".repeat(70_000);
        ProtocolException e = assertThrows(ProtocolException.class, () -> plain.encode(new Tversion(Message.NOTAG, 1, huge)));
        assertTrue(e.getMessage().contains("version is 70000 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Tclunk(0x10000, 1));
        assertThrows(IllegalArgumentException.class, () -> new Topen(1, 1, 0x1000));
    }

    @Test
    void decodedDataSharesTheFrameInsteadOfCopying() throws Exception {
        ByteBuffer f = unix.encode(Rread.of(3, "hello".getBytes()));
        Rread r = (Rread) unix.decode(f);
        f.put(11, (byte) 'J');
        assertEquals("Jello", new String(bytes(r.data())));
        assertEquals(5, r.count());
        assertEquals(List.of(), ((Rwalk) unix.decode(unix.encode(new Rwalk(1, List.of())))).qids());
    }

    private void assertProblem(String expected, byte[] frame) { assertProblem(expected, frame, plain); }

    private static void assertProblem(String expected, byte[] frame, Codec codec) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decode(ByteBuffer.wrap(frame)));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static String hex(ByteBuffer b) { return HexFormat.of().formatHex(bytes(b)); }
}
