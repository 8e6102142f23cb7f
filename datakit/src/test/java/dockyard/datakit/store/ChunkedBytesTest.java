package dockyard.datakit.store;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** ChunkedBytes behaves like one plain array under any mix of writes, truncations and reads. */
class ChunkedBytesTest {
    @Property(tries = 200)
    void matchesAPlainArray(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int steps) throws IOException {
        Random r = new Random(seed);
        ChunkedBytes c = new ChunkedBytes();
        byte[] model = new byte[0];
        int span = 3 * ChunkedBytes.CHUNK;
        for (int i = 0; i < steps; i++) {
            if (r.nextInt(4) == 0) {
                int len = r.nextInt(span);
                c.truncate(len);
                model = Arrays.copyOf(model, len);
            } else {
                int off = r.nextInt(span), n = r.nextInt(200_000);
                byte[] d = new byte[n];
                r.nextBytes(d);
                c.write(off, ByteBuffer.wrap(d));
                if (off + n > model.length) model = Arrays.copyOf(model, off + n);
                System.arraycopy(d, 0, model, off, n);
            }
            assertEquals(model.length, c.size());
            int off = r.nextInt(span), n = r.nextInt(300_000);
            byte[] expect = off >= model.length ? new byte[0] : Arrays.copyOfRange(model, off, Math.min(model.length, off + n));
            ByteBuffer got = c.read(off, n);
            byte[] g = new byte[got.remaining()];
            got.get(g);
            assertArrayEquals(expect, g);
        }
        assertArrayEquals(model, c.toArray());
        assertArrayEquals(model, c.stream().readAllBytes());
    }

    @Test void truncateThenGrowReadsZeros() {
        ChunkedBytes c = ChunkedBytes.of(new byte[]{1, 2, 3, 4});
        c.truncate(2);
        c.truncate(4);
        assertArrayEquals(new byte[]{1, 2, 0, 0}, c.toArray());
    }
}
