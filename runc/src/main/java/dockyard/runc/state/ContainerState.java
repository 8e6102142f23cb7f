package dockyard.runc.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dockyard.runc.spec.Spec;
import java.util.Map;

/**
 * What the runtime remembers about one container between CLI invocations ({@code state.json} in
 * the container's state directory). The status is not stored: it is derived from the process, the
 * exec fifo and the freezer each time it is asked for.
 *
 * @param pidStartTime the process's start time in clock ticks (/proc/PID/stat field 22), so that
 *     a recycled pid is never mistaken for the container
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerState(
    String id,
    int pid,
    long pidStartTime,
    String bundle,
    String rootfs,
    String created,
    String owner,
    Map<String, String> cgroupPaths,
    Spec config) {}
