package dockyard.runc.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * An OCI runtime-spec 1.x {@code config.json}, as immutable records whose field names are the
 * JSON's. Optional values are null when absent; validation lives in {@link SpecValidator}, not here,
 * so that a bundle can be read, reported on and rejected with every problem named.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Spec(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    String domainname,
    List<Mount> mounts,
    Hooks hooks,
    Map<String, String> annotations,
    Linux linux) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Process(
      Boolean terminal,
      ConsoleSize consoleSize,
      User user,
      List<String> args,
      String commandLine,
      List<String> env,
      String cwd,
      Capabilities capabilities,
      List<Rlimit> rlimits,
      Boolean noNewPrivileges,
      String apparmorProfile,
      Integer oomScoreAdj,
      String selinuxLabel) {
    public boolean isTerminal() { return Boolean.TRUE.equals(terminal); }
    public boolean isNoNewPrivileges() { return Boolean.TRUE.equals(noNewPrivileges); }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ConsoleSize(int height, int width) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record User(long uid, long gid, Integer umask, List<Long> additionalGids, String username) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Capabilities(
      List<String> bounding,
      List<String> effective,
      List<String> inheritable,
      List<String> permitted,
      List<String> ambient) {}

  public record Rlimit(String type, BigInteger hard, BigInteger soft) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Root(String path, Boolean readonly) {
    public boolean isReadonly() { return Boolean.TRUE.equals(readonly); }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Mount(String destination, String type, String source, List<String> options) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Hooks(
      List<Hook> prestart,
      List<Hook> createRuntime,
      List<Hook> createContainer,
      List<Hook> startContainer,
      List<Hook> poststart,
      List<Hook> poststop) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Linux(
      List<IdMapping> uidMappings,
      List<IdMapping> gidMappings,
      Map<String, String> sysctl,
      Resources resources,
      String cgroupsPath,
      List<Namespace> namespaces,
      List<Device> devices,
      Seccomp seccomp,
      String rootfsPropagation,
      List<String> maskedPaths,
      List<String> readonlyPaths,
      String mountLabel) {}

  public record IdMapping(long containerID, long hostID, long size) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Namespace(String type, String path) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Device(String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Resources(
      List<DeviceRule> devices,
      Memory memory,
      Cpu cpu,
      Pids pids,
      BlockIO blockIO,
      List<HugepageLimit> hugepageLimits,
      Network network,
      Map<String, String> unified) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Memory(
      Long limit,
      Long reservation,
      Long swap,
      Long kernel,
      Long kernelTCP,
      BigInteger swappiness,
      Boolean disableOOMKiller,
      Boolean useHierarchy) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Cpu(
      BigInteger shares,
      Long quota,
      BigInteger period,
      Long realtimeRuntime,
      BigInteger realtimePeriod,
      String cpus,
      String mems) {}

  public record Pids(long limit) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record BlockIO(
      Integer weight,
      Integer leafWeight,
      List<WeightDevice> weightDevice,
      List<ThrottleDevice> throttleReadBpsDevice,
      List<ThrottleDevice> throttleWriteBpsDevice,
      List<ThrottleDevice> throttleReadIOPSDevice,
      List<ThrottleDevice> throttleWriteIOPSDevice) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

  public record ThrottleDevice(long major, long minor, BigInteger rate) {}

  public record HugepageLimit(String pageSize, BigInteger limit) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Network(Long classID, List<InterfacePriority> priorities) {}

  public record InterfacePriority(String name, long priority) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Seccomp(
      String defaultAction,
      Integer defaultErrnoRet,
      List<String> architectures,
      List<String> flags,
      String listenerPath,
      List<Syscall> syscalls,
      String listenerMetadata) {
    public Seccomp(String defaultAction, Integer defaultErrnoRet, List<String> architectures, List<String> flags, String listenerPath,
                   List<Syscall> syscalls) {
      this(defaultAction, defaultErrnoRet, architectures, flags, listenerPath, syscalls, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Syscall(List<String> names, String action, Integer errnoRet, List<SyscallArg> args) {}

  /** Seccomp argument comparisons use unsigned 64-bit values, hence BigInteger. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SyscallArg(int index, BigInteger value, BigInteger valueTwo, String op) {}
}
