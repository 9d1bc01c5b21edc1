package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Naming the operator of a refused savepoint from Flink's operator id: the previous layout's bare roles, a
 * later layout's versioned uid of the job's own roles, a sink's committer; an id of none of them stays an id.
 * (The refusal itself, from a real savepoint and Flink's real message: OtherLayoutSavepointITCase.)
 */
class SavepointRefusalTest {
  private static String id(String uid) {
    return SavepointRefusal.operatorId(uid).toHexString();
  }

  @Test
  void anOperatorIdIsNamedByTheUidItHashes() {
    assertEquals(Optional.of("per-sample-changes"), SavepointRefusal.uidOf(id("per-sample-changes"), Set.of()));
    assertEquals(Optional.of("member-store-v3"), SavepointRefusal.uidOf(id("member-store-v3"), Set.of("member-store")));
    assertEquals(Optional.of("Sink Committer: subset-sink"),
        SavepointRefusal.uidOf(id("Sink Committer: subset-sink"), Set.of()));
    assertEquals(Optional.empty(), SavepointRefusal.uidOf(id("member-store-v3"), Set.of()));
    assertEquals(Optional.empty(), SavepointRefusal.uidOf(id("another job's operator"), Set.of("member-store")));
  }

  @Test
  void flinksRefusalBecomesOneLineAndOtherFailuresDoNot() {
    String id = id("someone-else");
    var refusal = new RuntimeException("Could not start the JobMaster.", new IllegalStateException(
        "Failed to rollback to checkpoint/savepoint file:/c/4f2e/chk-12. Cannot map checkpoint/savepoint state for"
            + " operator " + id + " to the new program, because the operator is not available in the new program."
            + " If you want to allow to skip this, you can set the --allowNonRestoredState option on the CLI."));
    assertEquals("checkpoint file:/c/4f2e/chk-12 was written by another state layout of fmselect or by another job"
        + " (it holds state for operator " + id + ", which this job does not have): its state cannot be restored;"
        + " start from the topic instead, with fresh state: without -D execution.state-recovery.path (the subset is"
        + " computed again from the samples)", SavepointRefusal.of(refusal, Set.of()).orElseThrow().getMessage());
    assertEquals(Optional.empty(), SavepointRefusal.of(new IllegalStateException("Could not start rest endpoint"), Set.of()));
  }
}
