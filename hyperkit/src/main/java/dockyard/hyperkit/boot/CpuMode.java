package dockyard.hyperkit.boot;

/** How a vCPU is started: the mode the first instruction runs in. */
public enum CpuMode {
  /** CS:IP 0000:7c00, as a BIOS hands over a boot sector. */
  REAL,
  /** Flat 32-bit protected mode, no paging. */
  PROTECTED,
  /** 64-bit long mode with the first 4 GiB identity-mapped (as Firecracker enters Linux). */
  LONG
}
