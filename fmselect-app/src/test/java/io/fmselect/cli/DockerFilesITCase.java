package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files against the packaged build (this runs after {@code mvn package}): docker-compose
 * (Debian's 1.29, installed by docker/check/install-deps.sh) parses and resolves docker/compose.yaml;
 * every file docker/Dockerfile copies exists and gets past .dockerignore, and target/docker-lib holds
 * exactly DJL and ONNX Runtime; the image's client commands run from the job jar and Flink's jars alone.
 * No image is built and nothing is started: there is no Docker engine on the build machines.
 */
class DockerFilesITCase {
  @TempDir Path tmp;

  record Result(int code, String out) {}

  static Result exec(List<String> cmd, int seconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), String.join(" ", cmd));
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  @SuppressWarnings("unchecked")
  void dockerComposeParsesAndResolvesTheComposeFile() throws Exception {
    Result install = exec(List.of("bash", "docker/check/install-deps.sh"), 600);
    assertEquals(0, install.code(), install.out());
    Result config = exec(List.of("docker-compose", "-f", "docker/compose.yaml", "config", "--quiet"), 120);
    assertEquals(0, config.code(), config.out());
    Result services = exec(List.of("docker-compose", "-f", "docker/compose.yaml", "config", "--services"), 120);
    assertEquals(0, services.code(), services.out());
    assertEquals(new TreeSet<>(Set.of("kafka", "registry", "topics", "producer", "jobmanager", "taskmanager-1",
        "taskmanager-2", "prometheus", "grafana")),
        new TreeSet<>(services.out().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()));
    // as Compose resolves the file: the producer and the job name the registry's API and wait until it answers
    Result resolved = exec(List.of("docker-compose", "-f", "docker/compose.yaml", "config"), 120);
    assertEquals(0, resolved.code(), resolved.out());
    Map<String, Object> c = (Map<String, Object>) new org.yaml.snakeyaml.Yaml().load(resolved.out());
    Map<String, Object> registry = DockerFilesTest.service(c, "registry");
    assertEquals(List.of(Map.of("published", 28080, "target", 8080)), registry.get("ports"));
    String url = "http://registry:8080" + RegistryServer.API_PATH;
    List<String> jm = (List<String>) DockerFilesTest.service(c, "jobmanager").get("command");
    assertEquals(url, jm.get(jm.indexOf("--schema-registry") + 1), jm.toString());
    List<String> producer = (List<String>) DockerFilesTest.service(c, "producer").get("command");
    assertTrue(producer.get(2).contains("--schema-registry " + url + " "), producer.get(2));
    for (String s : List.of("jobmanager", "producer")) {
      Map<String, Object> dependsOn = (Map<String, Object>) DockerFilesTest.service(c, s).get("depends_on");
      assertEquals(Map.of("condition", "service_healthy"), dependsOn.get("registry"), s);
    }
    Result volumes = exec(List.of("docker-compose", "-f", "docker/compose.yaml", "config", "--volumes"), 120);
    assertTrue(volumes.out().lines().map(String::strip).toList().containsAll(List.of("checkpoints", "savepoints")),
        volumes.out());
  }

  /** COPY lines of the Dockerfile: sources (relative to the build context, the repository root) and target. */
  static List<String[]> copies() throws Exception {
    List<String[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("docker/Dockerfile"))) {
      if (line.startsWith("COPY ") && !line.contains("--from=")) { // not from another stage: from the context
        List<String> words = Stream.of(line.substring(5).trim().split("\\s+")).filter(w -> !w.startsWith("--")).toList();
        out.add(words.toArray(String[]::new));
      }
    }
    return out;
  }

  @Test
  void everyFileTheDockerfileCopiesIsThereAfterPackage() throws Exception {
    List<String[]> copies = copies();
    assertEquals(4, copies.size());
    List<String> ignore = Files.readAllLines(Path.of(".dockerignore")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertEquals("*", ignore.get(0), "everything is left out of the context but what is named");
    for (String[] c : copies) {
      for (int i = 0; i < c.length - 1; i++) {
        Path src = Path.of(c[i]);
        assertTrue(Files.exists(src), "docker/Dockerfile copies " + src + ", which mvn package did not make");
        if (c[i].endsWith("/")) {
          assertTrue(Files.isDirectory(src) && Files.list(src).findAny().isPresent(), src + " is a folder with files");
        }
        String s = c[i];
        assertTrue(ignore.stream().anyMatch(p -> p.equals("!" + s) || (p.startsWith("!") && p.endsWith("/")
            && s.startsWith(p.substring(1)))), ".dockerignore lets " + s + " through");
      }
    }
    // the job jar where the FlinkDeployment's jarURI and the compose file's standalone-job find it
    assertTrue(copies.stream().anyMatch(c -> c[0].equals("target/fmselect-job.jar")
        && c[1].equals("/opt/flink/usrlib/fmselect-job.jar")));
    assertTrue(Files.readString(Path.of("docker/k8s/fmselect-deployment.yaml"))
        .contains("jarURI: local:///opt/flink/usrlib/fmselect-job.jar"));
    // the base image: the official Flink image of the pom's Flink minor version, on Java 17
    List<String> froms = Files.readAllLines(Path.of("docker/Dockerfile")).stream().filter(l -> l.startsWith("FROM ")).toList();
    String from = froms.get(froms.size() - 1); // the image's own stage: the last
    String flinkMinor = DockerFilesTest.pomProperty("flink.version").replaceAll("^(\\d+\\.\\d+)\\..*", "$1");
    assertTrue(from.matches("FROM flink:" + java.util.regex.Pattern.quote(flinkMinor) + "\\.\\d+-java17"), from);
  }

  @Test
  void dockerLibIsExactlyDjlAndOnnxRuntimeAsTargetLibHasThem() throws Exception {
    Set<String> names;
    try (Stream<Path> s = Files.list(Path.of("target/docker-lib"))) {
      names = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(5, names.size(), names.toString());
    for (String prefix : List.of("api-", "gson-", "jna-", "onnxruntime-engine-")) {
      assertTrue(names.stream().anyMatch(n -> n.startsWith(prefix)), prefix + " in " + names);
    }
    assertTrue(names.stream().anyMatch(n -> n.matches("onnxruntime(_gpu)?-\\d.*\\.jar")), names.toString());
    for (String n : names) {
      assertArrayEquals(Files.readAllBytes(Path.of("target/lib", n)), Files.readAllBytes(Path.of("target/docker-lib", n)), n);
    }
  }

  /**
   * The image's {@code fmselect} script runs ClientMain on the job jar and the Flink distribution's lib/: here
   * the job jar with the Flink and logging jars of target/lib (what a distribution's lib/ holds) and
   * target/docker-lib, without the vector module: {@code generate} writes its files, {@code produce} parses.
   */
  /** The image's {@code fmselect} script as a command here: java on the job jar and a distribution's lib/. */
  static List<String> imageFmselect() throws Exception {
    String script = Files.readString(Path.of("docker/bin/fmselect"));
    assertTrue(script.contains("io.fmselect.cli.ClientMain") && script.contains("/opt/flink/usrlib/fmselect-job.jar"));
    List<String> cp = new ArrayList<>(List.of("target/fmselect-job.jar", "target/docker-lib/*"));
    try (Stream<Path> s = Files.list(Path.of("target/lib"))) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("flink-") && !n.startsWith("flink-connector")
          && !n.startsWith("flink-avro") || n.startsWith("log4j-") || n.startsWith("slf4j-"))
          .forEach(n -> cp.add("target/lib/" + n));
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-cp", String.join(File.pathSeparator, cp), "io.fmselect.cli.ClientMain");
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /**
   * The image build's {@code models pull} step, run here as the image runs it (the tarball npm pack makes in
   * its stage, the image's classpath, no vector module): it writes the three encoders at 96 px, and the
   * JobManager's flags in compose.yaml parse with that folder as {@code --models}.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theImageBuildsModelsPullMakesTheEncodersTheComposeJobRuns() throws Exception {
    Path tgz = io.fmselect.models.NsfwjsFiles.tarball();
    List<String> pull = new ArrayList<>(DockerFilesTest.modelsPull());
    String imageDir = pull.get(pull.indexOf("--out") + 1);
    Path models = tmp.resolve("models");
    pull.set(pull.indexOf("--out") + 1, models.toString());
    pull.set(pull.indexOf("--tarball") + 1, tgz.toString());
    Result r = exec(concat(imageFmselect(), pull), 600);
    assertEquals(0, r.code(), r.out());
    List<io.fmselect.embed.ModelSpec> specs = io.fmselect.embed.ModelSpec.loadAll(models);
    assertEquals(List.of("inception-v3", "mobilenet-v2", "mobilenet-v2-140"),
        specs.stream().map(io.fmselect.embed.ModelSpec::name).sorted().toList());
    for (io.fmselect.embed.ModelSpec s : specs) {
      assertEquals(96, s.inputSize(), s.name());
      assertEquals(96, s.resize(), s.name());
    }
    List<String> jm = new ArrayList<>((List<String>) DockerFilesTest.service(DockerFilesTest.compose(), "jobmanager").get("command"));
    assertEquals(imageDir, jm.get(jm.indexOf("--models") + 1));
    jm.set(jm.indexOf("--models") + 1, models.toString());
    io.fmselect.stream.StreamConfig config = DockerFilesTest.runArgs(jm.subList(3, jm.size()));
    assertEquals(specs.stream().map(io.fmselect.embed.ModelSpec::name).sorted().toList(),
        config.fmNames().stream().sorted().toList());
  }

  @Test
  void theImagesClientCommandsRunFromTheJobJar() throws Exception {
    List<String> fmselect = imageFmselect();
    String java = fmselect.get(0);
    String cpArg = fmselect.get(2);
    Result gen = exec(List.of(java, "-cp", cpArg, "io.fmselect.cli.ClientMain", "generate",
        "--out-dir", tmp.toString(), "--rows", "200", "--classes", "4", "--dims", "64,32", "--names", "dinov2,clip"), 120);
    assertEquals(0, gen.code(), gen.out());
    for (String f : List.of("labels.npy", "dinov2.npy", "clip.npy")) {
      assertTrue(Files.size(tmp.resolve(f)) > 0, f);
    }
    Result help = exec(List.of(java, "-cp", cpArg, "io.fmselect.cli.ClientMain", "produce", "--help"), 120);
    assertEquals(0, help.code(), help.out());
    assertTrue(help.out().contains("--live"), help.out());
  }
}
