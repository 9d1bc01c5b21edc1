package io.fmselect.embed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The FMs of one models folder, loaded once per JVM (a TaskManager, or the embed command) and shared
 * by every operator instance that asks for them ({@link #acquire}/{@link #release}, closed with the
 * last user). Each FM has a request queue and its own worker threads, each with its own predictor
 * (predictors are not thread-safe); a worker takes the first waiting request, waits up to the spec's
 * {@code max_delay_ms} for more, up to {@code batch_size}, and runs them as one batch. Requests come
 * from any thread and get a future, so the stream's operator never blocks on inference.
 */
public final class ModelService implements AutoCloseable {
  private static final Map<String, ModelService> SHARED = new HashMap<>();

  private final String key;
  private final List<ModelSpec> specs;
  private final List<FmEncoder> encoders = new ArrayList<>();
  private final List<BlockingQueue<Request>> queues = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private int users;
  private volatile boolean closed;

  /** One image's tensor waiting for one FM. */
  private record Request(float[] tensor, CompletableFuture<float[]> result) {}

  private ModelService(String key, List<ModelSpec> specs, int workersPerFm, int intraOpThreads)
      throws FmEncoder.ModelException {
    this.key = key;
    this.specs = specs;
    try {
      for (ModelSpec s : specs) {
        FmEncoder enc = FmEncoder.open(s, intraOpThreads);
        encoders.add(enc);
        BlockingQueue<Request> q = new LinkedBlockingQueue<>();
        queues.add(q);
        for (int w = 0; w < workersPerFm; w++) {
          FmEncoder.Worker worker = enc.newWorker();
          Thread t = new Thread(() -> serve(s, worker, q), "fmselect-" + s.name() + "-" + w);
          t.setDaemon(true);
          threads.add(t);
          t.start();
        }
      }
    } catch (FmEncoder.ModelException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * The shared service of these specs (loading it if this JVM has none yet).
   *
   * @param workersPerFm inference threads per FM, each with its own predictor
   * @param intraOpThreads threads one inference may use
   */
  public static synchronized ModelService acquire(List<ModelSpec> specs, int workersPerFm, int intraOpThreads)
      throws FmEncoder.ModelException {
    String key = specs.stream().map(s -> s.file().toAbsolutePath() + "#" + s.name()).sorted().toList().toString();
    ModelService s = SHARED.get(key);
    if (s == null) {
      s = new ModelService(key, specs, workersPerFm, intraOpThreads);
      SHARED.put(key, s);
    }
    s.users++;
    return s;
  }

  /** Gives back what {@link #acquire} returned; the last user closes the models. */
  public static synchronized void release(ModelService s) {
    if (--s.users == 0) {
      SHARED.remove(s.key);
      s.close();
    }
  }

  public List<ModelSpec> specs() {
    return specs;
  }

  /**
   * Preprocesses a decoded image for FM {@code fm} on {@code pool}, then queues it: the path every
   * caller (the stream's operator, the embed command, the benchmark) takes.
   */
  public CompletableFuture<float[]> embed(int fm, Preprocessor.Rgb image, java.util.concurrent.Executor pool) {
    return CompletableFuture.supplyAsync(() -> Preprocessor.tensor(image, specs.get(fm)), pool)
        .thenCompose(t -> embed(fm, t));
  }

  /** Queues one preprocessed image for FM {@code fm}; the future completes with its embedding. */
  public CompletableFuture<float[]> embed(int fm, float[] tensor) {
    CompletableFuture<float[]> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new IllegalStateException("the model service is closed"));
    } else {
      queues.get(fm).add(new Request(tensor, f));
    }
    return f;
  }

  private void serve(ModelSpec spec, FmEncoder.Worker worker, BlockingQueue<Request> queue) {
    int size = 3 * spec.inputSize() * spec.inputSize();
    List<Request> batch = new ArrayList<>(spec.batchSize());
    try (worker) {
      while (!closed) {
        Request first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.clear();
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(spec.maxDelayMs());
        while (batch.size() < spec.batchSize()) {
          long left = deadline - System.nanoTime();
          Request r = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
          if (r == null) {
            break;
          }
          batch.add(r);
        }
        float[] input = new float[batch.size() * size];
        for (int i = 0; i < batch.size(); i++) {
          System.arraycopy(batch.get(i).tensor(), 0, input, i * size, size);
        }
        try {
          float[][] out = worker.embed(input, batch.size());
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(out[i]);
          }
        } catch (FmEncoder.ModelException | RuntimeException e) {
          for (Request r : batch) {
            r.result().completeExceptionally(e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (BlockingQueue<Request> q : queues) {
      Request r;
      while ((r = q.poll()) != null) {
        r.result().completeExceptionally(new IllegalStateException("the model service closed"));
      }
    }
    for (FmEncoder e : encoders) {
      e.close();
    }
  }
}
