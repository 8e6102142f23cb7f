package dockyard.hyperkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** CPU modes, exits, memory sizes, several vCPUs and the error exits, with the freestanding guests. */
class GuestTest {
  static Guests.Run run(String guest, long memory, int cpus, String cmdline) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return Guests.run(Guests.vm(guest, memory, out).cpus(cpus).cmdline(cmdline), out);
  }

  static void assertOk(Guests.Run r, String line) {
    assertEquals(VmExit.Kind.EXITED, r.exit().kind(), r.exit() + "\n" + r.console());
    assertEquals(0, r.exit().code(), r.console());
    assertTrue(r.console().contains(line), "\"" + line + "\" missing from:\n" + r.console());
  }

  @Test
  void sixtyFourBitGuestSeesItsCommandLine() throws Exception {
    Guests.Run r = run("hello.elf64", 64 << 20, 1, "hello=world");
    assertOk(r, "hello from 64-bit guest cpu 0 of 1");
    assertTrue(r.console().contains("hello=world"), r.console());
  }

  @Test
  void thirtyTwoBitAndRealModeGuests() throws Exception {
    assertOk(run("hello.elf32", 32 << 20, 1, ""), "hello from 32-bit guest");
    assertOk(run("hello.bin16", 4 << 20, 1, ""), "hello from 16-bit guest");
  }

  @Test
  void portAndMmioExitsInEverySize() throws Exception {
    assertOk(run("exits.elf64", 32 << 20, 1, ""), "OK exits");
  }

  @Test
  void memorySizesFromSmallToPastTheHole() throws Exception {
    assertOk(run("memsize.elf64", 64 << 20, 1, ""), "OK memory 64 MiB");
    assertOk(run("memsize.elf64", 1L << 30, 1, ""), "OK memory 1024 MiB");
  }

  @Test
  void severalVcpusRunAtOnce() throws Exception {
    for (int n : new int[] {1, 2, 4}) assertOk(run("smp.elf64", 64 << 20, n, ""), "OK smp " + n + " cpus");
  }

  @Test
  void aTripleFaultIsAnError() throws Exception {
    Guests.Run r = run("triple.elf64", 32 << 20, 1, "");
    assertEquals(VmExit.Kind.TRIPLE_FAULT, r.exit().kind(), r.exit() + "\n" + r.console());
    assertTrue(r.exit().isError());
    assertTrue(r.exit().detail().startsWith("guest triple fault on vCPU 0 at rip 0x"), r.exit().detail());
    assertTrue(r.console().contains("about to fault"), r.console());
  }

  @Test
  void anUnclaimedMmioAccessIsAGuestFault() throws Exception {
    Guests.Run r = run("badmmio.elf64", 32 << 20, 1, "");
    assertEquals(VmExit.Kind.GUEST_FAULT, r.exit().kind(), r.exit() + "\n" + r.console());
    assertTrue(r.exit().detail().contains("unclaimed address 0xfd000000"), r.exit().detail());
  }
}
