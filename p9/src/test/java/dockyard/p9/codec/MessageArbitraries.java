package dockyard.p9.codec;

import dockyard.p9.Qid;
import dockyard.p9.Stat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Generators of every message, valid for a given dialect: fields a dialect does not carry hold the
 * value decoding gives them (so a round trip is exact).
 */
final class MessageArbitraries {
    private MessageArbitraries() {}

    static Arbitrary<Integer> tags() { return Arbitraries.integers().between(0, 0xFFFF); }

    static Arbitrary<Integer> u32() { return Arbitraries.integers(); }

    static Arbitrary<Integer> u8() { return Arbitraries.integers().between(0, 0xFF); }

    /** Valid Unicode (no lone surrogates, which UTF-8 cannot carry) plus a few multi-byte classics. */
    static Arbitrary<String> strings() {
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFD')
                .ofMaxLength(24);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, bmp),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("", "héllo wörld", "日本語", "emoji 😀🎉", "a/b", "..")));
    }

    static Arbitrary<Qid> qids() {
        return Combinators.combine(Arbitraries.bytes(), u32(), Arbitraries.longs()).as(Qid::new);
    }

    static Arbitrary<Stat> stats(Dialect d) {
        Arbitrary<Stat> plain = Combinators.combine(Arbitraries.shorts(), u32(), qids(), u32(), u32(), u32(), Arbitraries.longs(),
                        Combinators.combine(strings(), strings(), strings(), strings()).as(List::of))
                .as((type, dev, qid, mode, atime, mtime, length, names) -> new Stat(type, dev, qid, mode, atime, mtime, length,
                        names.get(0), names.get(1), names.get(2), names.get(3), "", Stat.NO_CHANGE, Stat.NO_CHANGE, Stat.NO_CHANGE));
        if (d == Dialect.P9_2000) return plain;
        return Combinators.combine(plain, strings(), u32(), u32(), u32())
                .as((s, ext, uid, gid, muid) -> new Stat(s.type(), s.dev(), s.qid(), s.mode(), s.atime(), s.mtime(), s.length(),
                        s.name(), s.uid(), s.gid(), s.muid(), ext, uid, gid, muid));
    }

    static Arbitrary<ByteBuffer> data() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(ByteBuffer::wrap);
    }

    static Arbitrary<Message> messages(Dialect d) {
        boolean u = d == Dialect.P9_2000_U;
        Arbitrary<Integer> nUname = u ? u32() : Arbitraries.just(Tattach.NONUNAME);
        Arbitrary<Integer> errno = u ? u32() : Arbitraries.just(0);
        Arbitrary<String> extension = u ? strings() : Arbitraries.just("");
        List<Arbitrary<? extends Message>> all = List.of(
                Combinators.combine(tags(), u32(), strings()).as(Tversion::new),
                Combinators.combine(tags(), u32(), strings()).as(Rversion::new),
                Combinators.combine(tags(), u32(), strings(), strings(), nUname).as(Tauth::new),
                Combinators.combine(tags(), qids()).as(Rauth::new),
                Combinators.combine(tags(), u32(), u32(), strings(), strings(), nUname).as(Tattach::new),
                Combinators.combine(tags(), qids()).as(Rattach::new),
                Combinators.combine(tags(), strings(), errno).as(Rerror::new),
                Combinators.combine(tags(), tags()).as(Tflush::new),
                tags().map(Rflush::new),
                Combinators.combine(tags(), u32(), u32(), strings().list().ofMaxSize(Message.MAXWELEM)).as(Twalk::new),
                Combinators.combine(tags(), qids().list().ofMaxSize(Message.MAXWELEM)).as(Rwalk::new),
                Combinators.combine(tags(), u32(), u8()).as(Topen::new),
                Combinators.combine(tags(), qids(), u32()).as(Ropen::new),
                Combinators.combine(tags(), u32(), strings(), u32(), u8(), extension).as(Tcreate::new),
                Combinators.combine(tags(), qids(), u32()).as(Rcreate::new),
                Combinators.combine(tags(), u32(), Arbitraries.longs(), u32()).as(Tread::new),
                Combinators.combine(tags(), data()).as(Rread::new),
                Combinators.combine(tags(), u32(), Arbitraries.longs(), data()).as(Twrite::new),
                Combinators.combine(tags(), u32()).as(Rwrite::new),
                Combinators.combine(tags(), u32()).as(Tclunk::new),
                tags().map(Rclunk::new),
                Combinators.combine(tags(), u32()).as(Tremove::new),
                tags().map(Rremove::new),
                Combinators.combine(tags(), u32()).as(Tstat::new),
                Combinators.combine(tags(), stats(d)).as(Rstat::new),
                Combinators.combine(tags(), u32(), stats(d)).as(Twstat::new),
                tags().map(Rwstat::new));
        return Arbitraries.oneOf(all);
    }
}
