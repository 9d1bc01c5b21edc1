package io.fmselect.cli;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;

/**
 * Flink's refusal to restore a savepoint (or retained checkpoint) that holds state for an operator the job
 * lacks, said as one line. fmselect's operator uids carry the state layout's version (SubsetJob's uids): a
 * savepoint written by another layout (the previous release's operators were named by role alone) names
 * operators this job does not have, and Flink refuses it when the job starts (unless
 * {@code execution.state-recovery.ignore-unclaimed-state} is set, which fmselect never does: the state
 * would be dropped, not carried over). Flink names the operator by its id, a hash of its uid; the uid is
 * found again among the roles fmselect's operators have had, bare or with a layout's version.
 */
final class SavepointRefusal {
  private SavepointRefusal() {}

  /** Flink 2.2's message (org.apache.flink.runtime.checkpoint.Checkpoints): the path, then the operator's id. */
  private static final Pattern REFUSAL = Pattern.compile("Failed to rollback to checkpoint/savepoint (\\S+)\\. Cannot"
      + " map checkpoint/savepoint state for operator ([0-9a-f]{32}) to the new program");

  /** The operators' uids in fmselect releases before the layout carried a version: the roles alone. */
  static final Set<String> PREVIOUS_LAYOUT_ROLES = Set.of("samples-source", "embed", "decode-validate",
      "per-sample-changes", "class-sums", "class-selection", "publish-membership", "subset-sink", "window-marks",
      "windows-sink", "classes-sink", "explain-sink", "count-rejects", "rejects-raw-bytes", "rejects-sink",
      "freshness");

  /** The layout versions tried when naming an operator: role-v1 to role-v{this}. */
  private static final int VERSIONS = 50;

  /** A layout's version at the end of a uid. */
  private static final Pattern VERSION = Pattern.compile("-v\\d+$");

  /** The roles of a job's operators (their uids without the layout's version), read before it runs. */
  static Set<String> roles(StreamExecutionEnvironment env) {
    Set<String> roles = new LinkedHashSet<>();
    for (Transformation<?> t : env.getTransformations()) {
      for (Transformation<?> p : t.getTransitivePredecessors()) {
        if (p.getUid() != null) {
          roles.add(VERSION.matcher(p.getUid()).replaceFirst(""));
        }
      }
    }
    return roles;
  }

  /**
   * If Flink refused the state at the recovery path because an operator of it is missing from the job, a
   * UserError that says so (naming the operator's uid where it is one fmselect's operators have had, among
   * {@link #PREVIOUS_LAYOUT_ROLES} and ROLES) and what to do instead.
   */
  static Optional<UserError> of(Throwable failure, Collection<String> roles) {
    for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
      Matcher m = c.getMessage() == null ? null : REFUSAL.matcher(c.getMessage());
      if (m != null && m.find()) {
        String path = m.group(1);
        String what = path.matches(".*/chk-\\d+/?") ? "checkpoint" : "savepoint";
        Optional<String> uid = uidOf(m.group(2), roles);
        return Optional.of(new UserError(what + " " + path + " was written by another state layout of fmselect"
            + uid.map(u -> " (it holds state for operator uid '" + u + "', which this job does not have)")
                .orElse(" or by another job (it holds state for operator " + m.group(2) + ", which this job does not have)")
            + ": its state cannot be restored; start from the topic instead, with fresh state: without"
            + " -D execution.state-recovery.path (the subset is computed again from the samples)"));
      }
    }
    return Optional.empty();
  }

  /** The uid, among the roles' (bare, with a layout's version, or a sink's committer), whose operator id is ID. */
  static Optional<String> uidOf(String id, Collection<String> roles) {
    Set<String> all = new LinkedHashSet<>(PREVIOUS_LAYOUT_ROLES);
    all.addAll(roles);
    for (String role : all) {
      for (int v = 0; v <= VERSIONS; v++) {
        String uid = v == 0 ? role : role + "-v" + v;
        // a sink's committer has the uid Flink derives from the sink's (SinkTransformationTranslator)
        for (String candidate : new String[] {uid, "Sink Committer: " + uid}) {
          if (operatorId(candidate).toHexString().equals(id)) {
            return Optional.of(candidate);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The operator id Flink gives an operator with this uid. */
  static OperatorID operatorId(String uid) {
    return new OperatorID(StreamGraphHasherV2.generateUserSpecifiedHash(uid));
  }
}
