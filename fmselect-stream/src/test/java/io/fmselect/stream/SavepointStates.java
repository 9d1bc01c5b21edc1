package io.fmselect.stream;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.OperatorBackendSerializationProxy;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;

/**
 * Every state a savepoint holds, read from its own files the way a restore reads them: the metadata file names
 * each operator's state handles, and each handle begins with the meta information of its states (name, kind,
 * and the snapshot of every serializer, which is turned back into the serializer a restore would read with).
 * Keyed, operator (list and union) and broadcast state; timers (priority queues) are left aside. Only canonical
 * savepoints of a heap or RocksDB backend (a keyed handle is one stream of key groups).
 */
final class SavepointStates {
  private SavepointStates() {}

  /**
   * One serializer of one state: the operator's uid (its hex id if none of the uids given hashes to it), the
   * state's kind (KEY_VALUE, OPERATOR, BROADCAST; {@code KEY} for a keyed backend's key), its name, which
   * serializer of it ({@code KEY_SERIALIZER}, {@code VALUE_SERIALIZER}, ...) and the serializer itself.
   */
  record Entry(String operator, String kind, String state, String role, TypeSerializer<?> serializer) {
    @Override
    public String toString() {
      return operator + " " + kind + " '" + state + "' " + role + ": " + SerializerAudit.describe(serializer);
    }
  }

  /** Every state's serializers in the savepoint at DIR (a directory with a _metadata file), one entry each, distinct. */
  static List<Entry> read(Path dir, Collection<String> uids) throws IOException {
    Map<OperatorID, String> names = new HashMap<>();
    for (String uid : uids) {
      names.put(new OperatorID(StreamGraphHasherV2.generateUserSpecifiedHash(uid)), uid);
    }
    ClassLoader loader = SavepointStates.class.getClassLoader();
    CheckpointMetadata metadata;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("_metadata")))) {
      metadata = Checkpoints.loadCheckpointMetadata(in, loader, dir.toUri().toString());
    }
    List<Entry> all = new ArrayList<>();
    TreeSet<String> seen = new TreeSet<>();
    for (OperatorState op : metadata.getOperatorStates()) {
      String name = names.getOrDefault(op.getOperatorID(), op.getOperatorUid().orElse(op.getOperatorID().toHexString()));
      for (OperatorSubtaskState subtask : op.getStates()) {
        for (KeyedStateHandle h : subtask.getManagedKeyedState()) {
          if (!(h instanceof KeyGroupsStateHandle k)) {
            throw new IOException(name + ": keyed state handle " + h.getClass().getSimpleName() + " is not a canonical savepoint's");
          }
          KeyedBackendSerializationProxy<?> proxy = new KeyedBackendSerializationProxy<>(loader);
          try (InputStream in = k.openInputStream()) {
            proxy.read(new DataInputViewStreamWrapper(in));
          }
          add(all, seen, new Entry(name, "KEY", "", "KEY_SERIALIZER", proxy.getKeySerializerSnapshot().restoreSerializer()));
          add(all, seen, name, proxy.getStateMetaInfoSnapshots());
        }
        for (OperatorStateHandle h : subtask.getManagedOperatorState()) {
          OperatorBackendSerializationProxy proxy = new OperatorBackendSerializationProxy(loader);
          try (InputStream in = h.openInputStream()) {
            proxy.read(new DataInputViewStreamWrapper(in));
          }
          add(all, seen, name, proxy.getOperatorStateMetaInfoSnapshots());
          add(all, seen, name, proxy.getBroadcastStateMetaInfoSnapshots());
        }
      }
    }
    return all;
  }

  private static void add(List<Entry> all, TreeSet<String> seen, String operator, List<StateMetaInfoSnapshot> states) {
    for (StateMetaInfoSnapshot s : states) {
      if (s.getBackendStateType() == StateMetaInfoSnapshot.BackendStateType.PRIORITY_QUEUE) {
        continue; // timers
      }
      for (Map.Entry<String, TypeSerializerSnapshot<?>> e : s.getSerializerSnapshotsImmutable().entrySet()) {
        add(all, seen, new Entry(operator, s.getBackendStateType().name(), s.getName(), e.getKey(),
            e.getValue().restoreSerializer()));
      }
    }
  }

  private static void add(List<Entry> all, TreeSet<String> seen, Entry e) {
    if (seen.add(e.toString())) {
      all.add(e);
    }
  }
}
