package dockyard.runc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/** The state a runtime reports (`runc state`), in the OCI runtime-spec's shape plus runc's extra fields. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner", "annotations"})
public record OciState(
    String ociVersion,
    String id,
    @JsonInclude(JsonInclude.Include.ALWAYS) int pid,
    String status,
    String bundle,
    String rootfs,
    String created,
    @JsonInclude(JsonInclude.Include.ALWAYS) String owner,
    Map<String, String> annotations) {}
