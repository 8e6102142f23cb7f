package dockyard.p9.testing;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Small concurrency helpers for tests. */
public final class Async {
    private Async() {}

    /** Runs {@code task} on a new virtual thread. */
    public static <T> CompletableFuture<T> run(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Waits up to 5 seconds for {@code condition}, failing the test if it never holds. */
    public static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("condition not reached within 5 s");
            Thread.sleep(10);
        }
    }
}
