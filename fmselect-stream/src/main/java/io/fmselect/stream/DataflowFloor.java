package io.fmselect.stream;

import io.fmselect.stream.window.SampleEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Benchmarks only: the job's dataflow cut after one of its parts, with no selection and no output, to
 * measure what each part costs on its own (docs/benchmarks.md, "The dataflow's floor"). Each stage adds
 * to the one before:
 *
 * <ul>
 *   <li>{@link Stage#READ}: the Kafka source, decoding and validation, with the job's event clock;
 *   <li>{@link Stage#SHUFFLE}: then the records keyed by sample id (without their raw Kafka bytes, the
 *       least any design ships), as the per-sample stage receives them;
 *   <li>{@link Stage#ONE_WRITE}: then each embedding written once to keyed state under its sample id;
 *   <li>{@link Stage#TWO_WRITES}: then keyed by class and written a second time under its class, as the
 *       class stage keeps its members: the two copies the job keeps per sample, with nothing else.
 * </ul>
 *
 * Every record that reaches the cut goes to {@code end} as its label.
 */
public final class DataflowFloor {
  private DataflowFloor() {}

  /** Where the dataflow is cut. */
  public enum Stage { READ, SHUFFLE, ONE_WRITE, TWO_WRITES }

  /** Wires source -> decode-validate -> (the parts up to {@code stage}) -> {@code end}. */
  public static void build(StreamExecutionEnvironment env, Source<SampleEvent, ?, ?> source, StreamConfig config,
      Stage stage, Sink<Long> end) {
    DataStream<SampleEvent> records = env.fromSource(source, EventClock.of(source, config), "samples")
        .uid("samples-source").process(new ValidateSamples()).name("decode-validate").uid("decode-validate");
    if (stage != Stage.READ) {
      var byId = records.map(DataflowFloor::withoutRaw).name("drop-raw").uid("drop-raw").keyBy(e -> e.id);
      records = (stage == Stage.SHUFFLE ? byId.map(e -> e).returns(SampleEvent.class) : byId.map(new WriteById()))
          .name("by-id").uid("by-id");
      if (stage == Stage.TWO_WRITES) {
        records = records.keyBy(e -> e.label).map(new WriteByClass()).name("by-class").uid("by-class");
      }
    }
    records.map(e -> e.label).returns(Types.LONG).name("label").uid("label").sinkTo(end).name("end").uid("end");
  }

  private static SampleEvent withoutRaw(SampleEvent e) {
    e.raw = null;
    return e;
  }

  /** One write per record: the embedding under its sample id. */
  private static final class WriteById extends RichMapFunction<SampleEvent, SampleEvent> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<byte[]> sample;

    @Override
    public void open(OpenContext context) {
      sample = getRuntimeContext().getState(new ValueStateDescriptor<>("sample",
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public SampleEvent map(SampleEvent e) throws Exception {
      sample.update(e.values);
      return e;
    }
  }

  /** One write per record: the embedding under its class, keyed by sample id within it. */
  private static final class WriteByClass extends RichMapFunction<SampleEvent, SampleEvent> {
    private static final long serialVersionUID = 1L;
    private transient MapState<String, byte[]> members;

    @Override
    public void open(OpenContext context) {
      members = getRuntimeContext().getMapState(new MapStateDescriptor<>("members", Types.STRING,
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public SampleEvent map(SampleEvent e) throws Exception {
      members.put(e.id, e.values);
      return e;
    }
  }
}
