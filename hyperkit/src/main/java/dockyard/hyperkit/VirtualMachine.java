package dockyard.hyperkit;

import dockyard.hyperkit.boot.CpuMode;
import dockyard.hyperkit.boot.ElfLoader;
import dockyard.hyperkit.boot.LinuxLoader;
import dockyard.hyperkit.boot.X86Setup;
import dockyard.hyperkit.bus.Bus;
import dockyard.hyperkit.bus.MmioDevice;
import dockyard.hyperkit.bus.PortDevice;
import dockyard.hyperkit.devices.ConsoleOutput;
import dockyard.hyperkit.devices.EventFds;
import dockyard.hyperkit.devices.ExitPort;
import dockyard.hyperkit.devices.ResetPort;
import dockyard.hyperkit.devices.Serial16550;
import dockyard.hyperkit.kvm.Kvm;
import dockyard.hyperkit.kvm.KvmException;
import dockyard.hyperkit.kvm.KvmVcpu;
import dockyard.hyperkit.kvm.KvmVm;
import dockyard.hyperkit.kvm.Regs;
import dockyard.hyperkit.memory.GuestMemory;
import dockyard.hyperkit.memory.GuestMemoryException;
import dockyard.hyperkit.virtio.VirtioDevice;
import dockyard.hyperkit.virtio.VirtioMmio;
import dockyard.linux.LinuxException;
import dockyard.linux.ThreadSignals;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A VM on /dev/kvm, HyperKit-style: a library object that a program builds, runs and closes.
 *
 * <pre>{@code
 * try (VirtualMachine vm = VirtualMachine.builder().kernel(bzImage).initrd(initrd).cmdline("console=ttyS0")
 *     .memory(512 << 20).cpus(2).console(System.out).disk(Path.of("disk.img"), false).build()) {
 *   VmExit exit = vm.run();
 * }
 * }</pre>
 *
 * The kernel may be a Linux bzImage (64-bit boot protocol, entered in long mode), an ELF executable
 * (64- or 32-bit, entered at its entry point) or a raw real-mode image (loaded at 0x7c00). One
 * platform thread per vCPU runs KVM_RUN and dispatches port and MMIO exits to the devices on two
 * buses; devices hand host I/O to their own threads. Memory map: RAM from 0 (the 3-4 GiB hole
 * kept free), virtio-mmio devices at 0xd0000000 + n*4 KiB with IRQ 5+n, COM1 at 0x3f8 (IRQ 4),
 * the exit port at 0xf4, the i8042 reset at 0x64.
 */
public final class VirtualMachine implements AutoCloseable {
  public static final long VIRTIO_BASE = 0xd000_0000L;
  public static final int VIRTIO_IRQ = 5;
  static final long TSS_ADDRESS = 0xfffb_d000L;

  private final Kvm kvm;
  private final KvmVm vm;
  private final GuestMemory memory;
  private final List<KvmVcpu> vcpus;
  private final Bus<PortDevice> ports;
  private final Bus<MmioDevice> mmio;
  private final ConsoleOutput console;
  private final Serial16550 serial;
  private final List<VirtioMmio> virtio;
  private final Consumer<String> warn;
  private final EventFds eventFds;
  private final AtomicReference<VmExit> result = new AtomicReference<>();
  private final int[] tids;
  private volatile boolean stopping;
  private volatile boolean running;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private VirtualMachine(Kvm kvm, KvmVm vm, GuestMemory memory, List<KvmVcpu> vcpus, Bus<PortDevice> ports,
                         Bus<MmioDevice> mmio, ConsoleOutput console, Serial16550 serial, List<VirtioMmio> virtio, Consumer<String> warn,
                         EventFds eventFds) {
    this.kvm = kvm;
    this.vm = vm;
    this.memory = memory;
    this.vcpus = vcpus;
    this.ports = ports;
    this.mmio = mmio;
    this.console = console;
    this.serial = serial;
    this.virtio = virtio;
    this.warn = warn;
    this.eventFds = eventFds;
    this.tids = new int[vcpus.size()];
  }

  public static Builder builder() {
    return new Builder();
  }

  public GuestMemory memory() {
    return memory;
  }

  /** Bytes for the guest's serial port (the console's input). */
  public void serialInput(byte[] data) {
    serial.receive(data);
  }

  /**
   * Runs the VM until the guest exits, powers off, resets, faults, or {@link #stop()} is called;
   * one thread per vCPU, this thread waits. A VM runs once.
   */
  public VmExit run() throws InterruptedException {
    if (running) throw new IllegalStateException("a VirtualMachine runs once");
    running = true;
    ThreadSignals.installKickHandler();
    CountDownLatch done = new CountDownLatch(vcpus.size());
    AtomicInteger halted = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (KvmVcpu v : vcpus) {
      threads.add(Thread.ofPlatform().name("vcpu-" + v.id()).daemon(true).start(() -> {
        try {
          tids[v.id()] = ThreadSignals.gettid();
          if (loop(v)) halted.incrementAndGet();
        } catch (RuntimeException | LinuxException e) {
          stop(new VmExit(VmExit.Kind.VMM_ERROR, 0, "vCPU " + v.id() + ": " + e.getMessage()));
        } finally {
          tids[v.id()] = 0;
          done.countDown();
        }
      }));
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      stop();
      done.await();
      throw e;
    }
    console.flush();
    VmExit r = result.get();
    return r != null ? r : new VmExit(VmExit.Kind.POWER_OFF, 0, "every vCPU halted");
  }

  /** Ends the run from the host: every vCPU leaves KVM_RUN (kicked with a signal) and run() returns STOPPED. */
  public void stop() {
    stop(new VmExit(VmExit.Kind.STOPPED, 0, "stopped by the host"));
  }

  void stop(VmExit exit) {
    result.compareAndSet(null, exit);
    stopping = true;
    for (KvmVcpu v : vcpus) v.requestExit();
    for (int tid : tids) if (tid != 0) ThreadSignals.kick(tid);
  }

  /** Returns true when the vCPU halted (HLT without an in-kernel irqchip), false when the VM stopped. */
  private boolean loop(KvmVcpu v) throws LinuxException {
    while (!stopping) {
      int reason = v.run();
      switch (reason) {
        case KvmVcpu.INTERRUPTED -> { }
        case KvmVcpu.EXIT_IO -> io(v);
        case KvmVcpu.EXIT_MMIO -> mmio(v);
        case KvmVcpu.EXIT_HLT -> {
          return true;
        }
        case KvmVcpu.EXIT_SHUTDOWN -> stop(new VmExit(VmExit.Kind.TRIPLE_FAULT, 0,
            "guest triple fault on vCPU " + v.id() + " at rip 0x" + Long.toHexString(rip(v))));
        case KvmVcpu.EXIT_SYSTEM_EVENT -> {
          int type = (int) v.exitDetail();
          stop(type == 2 ? new VmExit(VmExit.Kind.RESET, 0, "guest reset") : new VmExit(VmExit.Kind.POWER_OFF, 0, "guest powered off"));
        }
        case KvmVcpu.EXIT_FAIL_ENTRY -> stop(new VmExit(VmExit.Kind.VMM_ERROR, 0,
            "KVM could not enter vCPU " + v.id() + " (hardware reason 0x" + Long.toHexString(v.exitDetail()) + ")"));
        case KvmVcpu.EXIT_INTERNAL_ERROR -> stop(new VmExit(VmExit.Kind.VMM_ERROR, 0,
            "KVM internal error " + (v.exitDetail() & 0xffffffffL) + " on vCPU " + v.id() + " at rip 0x" + Long.toHexString(rip(v))));
        case KvmVcpu.EXIT_INTR -> { }
        default -> stop(new VmExit(VmExit.Kind.VMM_ERROR, 0, "unexpected KVM exit " + reason + " on vCPU " + v.id()));
      }
    }
    return false;
  }

  private static long rip(KvmVcpu v) {
    try {
      return v.getRegs().get(Regs.RIP);
    } catch (LinuxException e) {
      return -1;
    }
  }

  private void io(KvmVcpu v) {
    int port = v.ioPort(), size = v.ioSize(), count = v.ioCount();
    MemorySegment data = v.ioData();
    Bus.Range<PortDevice> r = ports.find(port);
    for (int i = 0; i < count; i++) {
      long at = (long) i * size;
      if (v.ioIsOut()) {
        long value = switch (size) {
          case 1 -> Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, at));
          case 2 -> Short.toUnsignedLong(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
          default -> Integer.toUnsignedLong(data.get(ValueLayout.JAVA_INT_UNALIGNED, at));
        };
        if (r != null) r.device().out((int) (port - r.base()), size, value);
      } else {
        long value = r != null ? r.device().in((int) (port - r.base()), size) : 0xffffffffL; // nothing there: the bus floats high
        switch (size) {
          case 1 -> data.set(ValueLayout.JAVA_BYTE, at, (byte) value);
          case 2 -> data.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, (short) value);
          default -> data.set(ValueLayout.JAVA_INT_UNALIGNED, at, (int) value);
        }
      }
    }
  }

  private void mmio(KvmVcpu v) {
    long addr = v.mmioAddress();
    int len = v.mmioLength();
    Bus.Range<MmioDevice> r = mmio.find(addr);
    if (r == null) {
      stop(new VmExit(VmExit.Kind.GUEST_FAULT, 0, "guest " + (v.mmioIsWrite() ? "wrote" : "read") + " unclaimed address 0x"
          + Long.toHexString(addr) + " (" + len + " bytes) on vCPU " + v.id() + " at rip 0x" + Long.toHexString(rip(v))));
      return;
    }
    MemorySegment data = v.mmioData();
    try {
      if (v.mmioIsWrite()) {
        long value = 0;
        for (int i = 0; i < len; i++) value |= Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, i)) << (8 * i);
        r.device().write(addr - r.base(), len, value);
      } else {
        long value = r.device().read(addr - r.base(), len);
        for (int i = 0; i < len; i++) data.set(ValueLayout.JAVA_BYTE, i, (byte) (value >>> (8 * i)));
      }
    } catch (GuestMemoryException e) {
      stop(new VmExit(VmExit.Kind.GUEST_FAULT, 0, "device at 0x" + Long.toHexString(r.base()) + ": " + e.getMessage()));
    }
  }

  /** Releases the vCPUs, the VM, guest memory and the devices. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) return;
    if (running) stop();
    eventFds.close();
    for (VirtioMmio d : virtio) d.device().close();
    console.close();
    for (KvmVcpu v : vcpus) v.close();
    memory.close();
    vm.close();
    kvm.close();
  }

  /** Builds a VM; see the class comment. */
  public static final class Builder {
    private long memory = 512L << 20;
    private int cpus = 1;
    private Path kernel;
    private byte[] kernelBytes;
    private Path initrd;
    private String cmdline = "";
    private OutputStream consoleOut = System.out;
    private Boolean irqchip;
    private boolean ioeventfd = true;
    private Consumer<String> warn = s -> System.err.println("hyperkit: " + s);
    private final List<VirtioDevice> devices = new ArrayList<>();
    private final List<Object[]> extraPorts = new ArrayList<>();
    private final List<Object[]> extraMmio = new ArrayList<>();
    private final List<java.util.function.Function<ConsoleOutput, VirtioDevice>> consoleDevices = new ArrayList<>();

    public Builder memory(long bytes) { this.memory = bytes; return this; }
    public Builder cpus(int n) { this.cpus = n; return this; }
    public Builder kernel(Path file) { this.kernel = file; return this; }
    public Builder kernel(byte[] image) { this.kernelBytes = image; return this; }
    public Builder initrd(Path file) { this.initrd = file; return this; }
    public Builder cmdline(String c) { this.cmdline = c; return this; }
    public Builder console(OutputStream out) { this.consoleOut = out; return this; }
    /** In-kernel PIC/IOAPIC/LAPIC and PIT; default: on for Linux, off for ELF and real-mode guests (so HLT exits to us). */
    public Builder irqchip(boolean on) { this.irqchip = on; return this; }
    public Builder warnings(Consumer<String> w) { this.warn = w; return this; }
    /** Queue notifies through ioeventfds (no exit to this process per notify); default on, off falls back to MMIO exits. */
    public Builder ioeventfd(boolean on) { this.ioeventfd = on; return this; }
    /** Adds a virtio device; they get consecutive slots at 0xd0000000 in the order added. */
    public Builder virtio(VirtioDevice d) { devices.add(d); return this; }
    /** Adds a virtio-console whose output goes to the VM's console. */
    public Builder virtioConsole() { consoleDevices.add(dockyard.hyperkit.virtio.VirtioConsole::new); return this; }
    public Builder port(int base, int length, PortDevice d) { extraPorts.add(new Object[] {base, length, d}); return this; }
    public Builder mmio(long base, long length, MmioDevice d) { extraMmio.add(new Object[] {base, length, d}); return this; }

    public VirtualMachine build() throws IOException {
      if (cpus < 1 || cpus > 64) throw new IllegalArgumentException("cpus must be 1..64, got " + cpus);
      byte[] image = kernelBytes != null ? kernelBytes : kernel != null ? Files.readAllBytes(kernel) : null;
      if (image == null) throw new IllegalArgumentException("no kernel given");
      String name = kernel != null ? kernel.toString() : "kernel";
      boolean linux = image.length > 0x210 && image[0x202] == 'H' && image[0x203] == 'd' && image[0x204] == 'r' && image[0x205] == 'S';
      Kvm kvm;
      try {
        kvm = Kvm.open();
      } catch (LinuxException e) {
        throw new KvmException("cannot open " + Kvm.DEVICE + ": " + e.getMessage());
      }
      KvmVm vm = null;
      GuestMemory mem = null;
      List<KvmVcpu> vcpus = new ArrayList<>();
      ConsoleOutput console = new ConsoleOutput(consoleOut);
      EventFds eventFds = new EventFds();
      try {
        vm = kvm.createVm();
        vm.setTssAddress(TSS_ADDRESS);
        boolean chip = irqchip != null ? irqchip : linux;
        if (chip) vm.createInterruptControllers();
        mem = GuestMemory.allocate(vm, memory);
        KvmVm theVm = vm;
        java.util.function.IntConsumer pulse = irq -> {
          if (!theVm.hasIrqchip()) return; // polling guests: no controller to deliver to
          try {
            theVm.irqLine(irq, true);
            theVm.irqLine(irq, false);
          } catch (LinuxException e) {
            warn.accept("irq " + irq + ": " + e.getMessage());
          }
        };
        Bus<PortDevice> ports = new Bus<>("port");
        Bus<MmioDevice> mmio = new Bus<>("mmio");
        AtomicReference<VirtualMachine> self = new AtomicReference<>();
        Serial16550 serial = new Serial16550(console, pulse);
        ports.add(Serial16550.COM1, 8, serial);
        ports.add(ExitPort.PORT, 1, new ExitPort(code -> self.get().stop(new VmExit(VmExit.Kind.EXITED, code, ""))));
        ports.add(ResetPort.BASE, ResetPort.LENGTH, new ResetPort(() -> self.get().stop(new VmExit(VmExit.Kind.RESET, 0, "guest reset through the i8042"))));
        for (Object[] p : extraPorts) ports.add((Integer) p[0], (Integer) p[1], (PortDevice) p[2]);
        for (Object[] m : extraMmio) mmio.add((Long) m[0], (Long) m[1], (MmioDevice) m[2]);
        List<VirtioDevice> all = new ArrayList<>(devices);
        for (var f : consoleDevices) all.add(f.apply(console));
        List<VirtioMmio> transports = new ArrayList<>();
        StringBuilder cl = new StringBuilder(cmdline);
        for (int i = 0; i < all.size(); i++) {
          long base = VIRTIO_BASE + i * VirtioMmio.SIZE;
          int irq = VIRTIO_IRQ + i;
          Runnable raise = chip ? eventFds.irqfd(vm, irq) : () -> { };
          VirtioMmio t = new VirtioMmio(all.get(i), mem, raise, warn);
          mmio.add(base, VirtioMmio.SIZE, t);
          if (ioeventfd) {
            try {
              eventFds.ioeventfds(vm, base, t);
            } catch (LinuxException e) {
              warn.accept("ioeventfd for virtio device " + i + " not available (" + e.getMessage() + "); notifies exit to the VMM");
            }
          }
          transports.add(t);
          cl.append(cl.isEmpty() ? "" : " ").append("virtio_mmio.device=4K@0x").append(Long.toHexString(base)).append(':').append(irq);
        }
        String fullCmdline = cl.toString();

        CpuMode mode;
        long entry;
        X86Setup.Selectors sel = X86Setup.Selectors.FLAT;
        long rsiForLinux = 0;
        if (linux) {
          byte[] rd = initrd != null ? Files.readAllBytes(initrd) : null;
          LinuxLoader.Loaded l = LinuxLoader.load(image, rd, fullCmdline, mem);
          mode = CpuMode.LONG;
          entry = l.entry();
          sel = X86Setup.Selectors.LINUX;
          rsiForLinux = l.zeroPage();
        } else if (ElfLoader.isElf(image)) {
          ElfLoader.Loaded l = ElfLoader.load(image, mem, name);
          mode = l.mode();
          entry = l.entry();
          mem.write(LinuxLoader.CMDLINE, (fullCmdline + "\0").getBytes(StandardCharsets.US_ASCII));
        } else {
          if (image.length > 0x70000 - 0x7c00 + 0x70000) throw new IOException(name + ": a real-mode image must be under 448 KiB");
          mem.write(0x7c00, image);
          mode = CpuMode.REAL;
          entry = 0x7c00;
          mem.write(LinuxLoader.CMDLINE, (fullCmdline + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        X86Setup.writeTables(mem, mode, sel);
        for (int i = 0; i < cpus; i++) {
          KvmVcpu v = vm.createVcpu(i);
          vcpus.add(v);
          v.setSupportedCpuid(kvm);
          Regs r = new Regs();
          if (linux) {
            // the boot state Linux expects from a BIOS: SYSENTER/SYSCALL MSRs cleared, fast strings on
            v.setMsrs(0x174, 0, 0x175, 0, 0x176, 0, 0xc0000081L, 0, 0xc0000082L, 0, 0xc0000083L, 0, 0xc0000084L, 0,
                0xc0000102L, 0, 0x10, 0, 0x1a0, 1);
            if (chip) v.setupLapicLints();
            r.set(Regs.RSI, rsiForLinux);
            r.set(Regs.RSP, 0x8ff0);
            if (i > 0) continue; // secondary CPUs wait for Linux to start them (INIT/SIPI through the LAPIC)
          } else if (mode == CpuMode.REAL) {
            r.set(Regs.RSP, 0x7000);
          } else {
            r.set(Regs.RDI, LinuxLoader.CMDLINE).set(Regs.RSI, i).set(Regs.RDX, cpus)
                .set(Regs.RCX, mode == CpuMode.LONG ? mem.size() : Math.min(mem.size(), 0xffffffffL))
                .set(Regs.RSP, 0x80000 - i * 0x4000L);
          }
          X86Setup.start(v, mode, sel, entry, r);
        }
        VirtualMachine machine = new VirtualMachine(kvm, vm, mem, vcpus, ports, mmio, console, serial, transports, warn, eventFds);
        self.set(machine);
        return machine;
      } catch (IOException | RuntimeException e) {
        eventFds.close();
        for (KvmVcpu v : vcpus) v.close();
        if (mem != null) mem.close();
        if (vm != null) vm.close();
        kvm.close();
        console.close();
        for (VirtioDevice d : devices) d.close();
        throw e;
      }
    }
  }
}
