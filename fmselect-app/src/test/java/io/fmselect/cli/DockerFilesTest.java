package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.StreamConfig;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The deployment files of docker/ checked offline (no Docker engine or Kubernetes here): the image's Flink
 * configuration is flink-conf/config.yaml plus container settings (read by Flink's own parser); the
 * FlinkDeployment uses only fields of the operator's v1beta1 spec and repeats the job's settings; every
 * fmselect command line in compose.yaml and the FlinkDeployment parses with the real commands (the models'
 * specs and the Kafka properties they name included); the Grafana dashboard asks only for metrics the job
 * registers. What needs the packaged jar or docker-compose is in {@code DockerFilesITCase}.
 */
class DockerFilesTest {
  static final Path DOCKER = Path.of("docker");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  /** Keys of flink-conf/config.yaml the image sets otherwise: containers listen on every interface, one port. */
  static final Set<String> CONTAINER_OVERRIDES = Set.of("rest.address", "rest.bind-address", "rest.bind-port",
      "metrics.reporter.prom.port");

  static Configuration flink(Path dir) {
    return GlobalConfiguration.loadConfiguration(dir.toString());
  }

  @Test
  void theImagesFlinkConfigurationIsFlinkConfPlusTheContainersSettings() {
    Map<String, String> tested = flink(Path.of("flink-conf")).toMap();
    Map<String, String> image = flink(DOCKER.resolve("conf")).toMap();
    assertTrue(tested.size() >= 15, tested.toString());
    for (var e : tested.entrySet()) {
      if (!CONTAINER_OVERRIDES.contains(e.getKey())) {
        assertEquals(e.getValue(), image.get(e.getKey()), "docker/conf/config.yaml: " + e.getKey());
      }
    }
    assertEquals("0.0.0.0", image.get("rest.bind-address"));
    assertEquals("9249", image.get("metrics.reporter.prom.port"));
    assertEquals(String.join(" ", StandaloneFlink.VECTOR_MODULE), image.get("env.java.opts.all"));
    assertEquals(StandaloneFlink.FLINK_JAVA17_OPTS, List.of(image.get("env.java.default-opts.all").split(" ")),
        "the Flink distribution's Java 17 options, which this file replaces");
    assertEquals("ai.djl.;ai.onnxruntime.", image.get("classloader.parent-first-patterns.additional"),
        "DJL and ONNX Runtime from lib/, as the README's cluster recipe");
    assertEquals("file:///opt/flink/checkpoints", image.get("execution.checkpointing.dir"));
    assertEquals("file:///opt/flink/savepoints", image.get("execution.checkpointing.savepoint-dir"));
  }

  // ------------------------------------------------------------------------------------------ compose

  @SuppressWarnings("unchecked")
  static Map<String, Object> compose() throws IOException {
    // SnakeYAML resolves the anchors and merge keys (<<: *flink) as Compose does
    return (Map<String, Object>) new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> service(Map<String, Object> compose, String name) {
    Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
    assertNotNull(s, "service " + name);
    return s;
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsTheJobInApplicationModeWithFlagsTheJobAccepts() throws Exception {
    Map<String, Object> c = compose();
    List<String> jm = (List<String>) service(c, "jobmanager").get("command");
    assertEquals(List.of("standalone-job", "--job-classname", ClusterJob.class.getName()), jm.subList(0, 3));
    // the job embeds with the encoders the image build pulls (the flags parse with them in DockerFilesITCase)
    int models = jm.indexOf("--models");
    assertTrue(models > 0 && !jm.contains("--fm"), jm.toString());
    assertEquals(modelsPull().get(modelsPull().indexOf("--out") + 1), jm.get(models + 1));

    for (String tm : List.of("taskmanager-1", "taskmanager-2")) {
      assertEquals("taskmanager", service(c, tm).get("command"));
      assertEquals("jobmanager", ((Map<String, Object>) service(c, tm).get("environment")).get("JOB_MANAGER_RPC_ADDRESS"));
      assertEquals(List.of("checkpoints:/opt/flink/checkpoints", "savepoints:/opt/flink/savepoints"),
          service(c, tm).get("volumes"), "the checkpoint and savepoint directories of docker/conf/config.yaml");
    }
    assertEquals(service(c, "taskmanager-1").get("volumes"), service(c, "jobmanager").get("volumes"));
    assertTrue(((Map<String, Object>) c.get("volumes")).keySet().containsAll(List.of("checkpoints", "savepoints")));

    // the Kafka image of the project's Kafka version
    String kafka = (String) service(c, "kafka").get("image");
    assertEquals("apache/kafka:" + pomProperty("kafka.version"), kafka);
    assertEquals(kafka, service(c, "topics").get("image"));
    String topics = ((List<String>) service(c, "topics").get("command")).get(0);
    assertTrue(topics.contains("t samples ") && topics.contains("t subset-windows 1"), topics);

    // the producer: fmselect's produce in the same image, the demo's images, parsed by the real command
    Map<String, Object> producer = service(c, "producer");
    assertEquals(service(c, "jobmanager").get("image"), producer.get("image"));
    List<String> cmd = (List<String>) producer.get("command");
    assertEquals(List.of("bash", "-c"), cmd.subList(0, 2));
    List<String> words = List.of(cmd.get(2).trim().split("\\s+"));
    assertEquals(List.of("fmselect", "produce"), words.subList(0, 2), cmd.get(2));
    CommandLine.ParseResult r = ClientMain.commandLine().parseArgs(words.subList(1, words.size()).toArray(String[]::new));
    assertTrue(r.subcommand().hasMatchedOption("--demo-data") && r.subcommand().hasMatchedOption("--live"), cmd.get(2));
    assertEquals("kafka:9092", r.subcommand().matchedOptionValue("--bootstrap-servers", ""));

    // the schema registry: Apicurio of the version the build unpacks for `fmselect registry`; the producer and
    // the job name its Confluent-compatible API by service name and container port, and wait until it answers
    Map<String, Object> registry = service(c, "registry");
    assertEquals("apicurio/apicurio-registry-mem:" + pomProperty("apicurio.version"), registry.get("image"));
    String registryUrl = "http://registry:" + containerPort(registry) + RegistryServer.API_PATH;
    assertEquals("http://registry:8080/apis/ccompat/v7", registryUrl, "Apicurio's port in its image");
    assertEquals(registryUrl, jm.get(jm.indexOf("--schema-registry") + 1));
    assertEquals(registryUrl, r.subcommand().matchedOptionValue("--schema-registry", ""));
    for (String s : List.of("jobmanager", "producer")) {
      Map<String, Object> dependsOn = (Map<String, Object>) service(c, s).get("depends_on");
      assertEquals(Map.of("condition", "service_healthy"), dependsOn.get("registry"), s + " waits for the registry");
    }
    // healthy: the API answers 200 on the path `fmselect registry` waits for
    List<String> health = (List<String>) ((Map<String, Object>) registry.get("healthcheck")).get("test");
    assertEquals(List.of("CMD", "bash", "-c"), health.subList(0, 3));
    assertTrue(health.get(3).contains("/dev/tcp/127.0.0.1/" + containerPort(registry) + " ")
        && health.get(3).contains("GET " + RegistryServer.API_PATH + "/subjects HTTP/1.0") && health.get(3).contains("' 200 '"),
        health.get(3));

    // Prometheus scrapes the reporter's port on every Flink process of the file
    String prom = Files.readString(DOCKER.resolve("prometheus/prometheus.yml"));
    for (String s : List.of("jobmanager", "taskmanager-1", "taskmanager-2")) {
      assertTrue(prom.contains("\"" + s + ":" + flink(DOCKER.resolve("conf")).toMap().get("metrics.reporter.prom.port") + "\""), s);
    }
    // pinned images: a version, never latest
    for (Object s : ((Map<String, Object>) c.get("services")).values()) {
      String image = (String) ((Map<String, Object>) s).get("image");
      assertTrue(image.matches("[a-z0-9./-]+:v?[0-9]+\\.[0-9]+\\.[0-9]+(\\.Final)?"), image);
    }
  }

  /** The container port of a service's one published port ("HOST:CONTAINER"). */
  @SuppressWarnings("unchecked")
  static int containerPort(Map<String, Object> service) {
    List<String> ports = (List<String>) service.get("ports");
    assertEquals(1, ports.size(), ports.toString());
    return Integer.parseInt(ports.get(0).substring(ports.get(0).lastIndexOf(':') + 1));
  }

  /**
   * The broker formats its storage with CLUSTER_ID, which Kafka reads with {@link Uuid#fromString}: 22
   * characters of URL-safe base64 of 16 bytes (what {@code kafka-storage random-uuid} prints); anything else
   * stops the container before it listens.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theKafkaClusterIdIsAUuidAsKafkaReadsIt() throws IOException {
    String id = String.valueOf(((Map<String, Object>) service(compose(), "kafka").get("environment")).get("CLUSTER_ID"));
    Uuid uuid;
    try {
      uuid = Uuid.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new AssertionError("CLUSTER_ID " + id + " is not a Kafka cluster id: " + e.getMessage());
    }
    assertEquals(id, uuid.toString(), "written as Kafka writes it");
    assertEquals(22, id.length());
    assertFalse(Uuid.RESERVED.contains(uuid) || id.startsWith("-"), "an id Kafka would generate: " + id);
  }

  /** The Dockerfile's {@code fmselect models pull ...} line as words (from "models" on). */
  static List<String> modelsPull() throws IOException {
    String file = Files.readString(DOCKER.resolve("Dockerfile")).replace("\\\n", " ");
    Matcher m = Pattern.compile("(?m)^RUN .*?fmselect (models pull [^\\n&]*)$").matcher(file);
    assertTrue(m.find(), "the Dockerfile runs fmselect models pull");
    return List.of(m.group(1).trim().split("\\s+"));
  }

  @Test
  void theImageHoldsWhatTheDemoDataAndTheEncodersNeed() throws IOException {
    String file = Files.readString(DOCKER.resolve("Dockerfile"));
    // Fashion-MNIST where produce --demo-data looks for it, from the Debian package the README names
    assertTrue(file.contains("apt-get install -y --no-install-recommends dataset-fashion-mnist"), file);
    String dir = io.fmselect.demo.DemoData.fashionMnistDir().toString() + "/";
    assertTrue(file.contains("COPY --from=fashion-mnist " + dir + " " + dir), file);
    // the package models pull converts, at the version it expects, fetched by npm pack in its own stage
    assertTrue(file.contains("RUN npm pack nsfwjs@" + io.fmselect.models.NsfwjsModels.PACKAGE_VERSION), file);
    List<String> pull = modelsPull();
    assertEquals("/pkg/" + io.fmselect.models.NsfwjsModels.TARBALL, pull.get(pull.indexOf("--tarball") + 1));
    ModelsCommand.Pull parsed = new ModelsCommand.Pull();
    new CommandLine(parsed).parseArgs(pull.subList(2, pull.size()).toArray(String[]::new));
    assertEquals(96, parsed.inputSize);
    // every stage's base image pinned to a version
    for (String from : file.lines().filter(l -> l.startsWith("FROM ")).toList()) {
      assertTrue(from.matches("FROM [a-z0-9./-]+:[0-9]+\\.[0-9]+(\\.[0-9]+)?(-[a-z0-9.-]+)?( AS [a-z-]+)?"), from);
    }
  }

  /** The job's flags as ClusterJob takes them: parsed, turned into its configuration and checked. */
  static StreamConfig runArgs(List<String> args) {
    RunCommand run = new RunCommand();
    List<String> all = new ArrayList<>(List.of("--in-cluster"));
    all.addAll(args);
    new CommandLine(run).parseArgs(all.toArray(String[]::new));
    if (run.kafka.propertiesFile != null) {
      assertFalse(run.kafka.properties().isEmpty());
    }
    return StreamConfig.from(run.configuration());
  }

  static String pomProperty(String name) throws IOException {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(m.find(), name);
    return m.group(1);
  }

  // ------------------------------------------------------------------------------------------ Kubernetes

  static List<JsonNode> k8s() throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var files = Files.list(DOCKER.resolve("k8s"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(f))) {
          while (it.hasNext()) {
            JsonNode d = it.next();
            if (d != null && !d.isEmpty()) {
              docs.add(d);
            }
          }
        }
      }
    }
    return docs;
  }

  static JsonNode kind(List<JsonNode> docs, String kind, String name) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in docker/k8s"));
  }

  /**
   * The fields of the operator's FlinkDeployment (apiVersion flink.apache.org/v1beta1) that a spec may
   * set, from the operator's CRD reference ("Custom Resource > Reference" in the Flink Kubernetes Operator
   * documentation, https://nightlies.apache.org/flink/flink-kubernetes-operator-docs-stable/docs/custom-resource/reference/):
   * FlinkDeploymentSpec, JobSpec, JobManagerSpec, TaskManagerSpec and Resource. "*" marks a free-form map;
   * "pod" a Kubernetes PodTemplateSpec, checked apart. The operator's API jar is not served by the Maven
   * registry these builds reach, so the list is kept here.
   */
  static final Map<String, Object> FLINK_DEPLOYMENT_SPEC = Map.of(
      "image", "", "imagePullPolicy", "", "serviceAccount", "", "flinkVersion", "", "ingress", "*",
      "podTemplate", "pod", "logConfiguration", "*", "mode", "", "restartNonce", "",
      "flinkConfiguration", "*");
  static final Map<String, Object> RESOURCE = Map.of("cpu", "", "memory", "", "ephemeralStorage", "");
  static final Map<String, Object> JOB_SPEC = Map.ofEntries(Map.entry("jarURI", ""), Map.entry("parallelism", ""),
      Map.entry("entryClass", ""), Map.entry("args", ""), Map.entry("state", ""), Map.entry("savepointTriggerNonce", ""),
      Map.entry("initialSavepointPath", ""), Map.entry("checkpointTriggerNonce", ""), Map.entry("upgradeMode", ""),
      Map.entry("allowNonRestoredState", ""), Map.entry("savepointRedeployNonce", ""), Map.entry("autoscalerResetNonce", ""));
  static final Map<String, Object> JM_SPEC = Map.of("resource", RESOURCE, "replicas", "", "podTemplate", "pod");
  static final Map<String, Object> TM_SPEC = Map.of("resource", RESOURCE, "replicas", "", "podTemplate", "pod");
  static final Set<String> FLINK_VERSIONS = Set.of("v1_16", "v1_17", "v1_18", "v1_19", "v1_20", "v2_0", "v2_1", "v2_2");

  static Map<String, Object> specFields() {
    Map<String, Object> m = new HashMap<>(FLINK_DEPLOYMENT_SPEC);
    m.put("job", JOB_SPEC);
    m.put("jobManager", JM_SPEC);
    m.put("taskManager", TM_SPEC);
    return m;
  }

  @SuppressWarnings("unchecked")
  static void onlyKnownFields(JsonNode node, Map<String, Object> fields, String at, List<JsonNode> pods) {
    assertTrue(node.isObject(), at + " is a mapping");
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      Object type = fields.get(f);
      assertNotNull(type, at + "." + f + " is not a field of the operator's v1beta1 FlinkDeployment");
      if (type instanceof Map<?, ?> sub) {
        onlyKnownFields(node.get(f), (Map<String, Object>) sub, at + "." + f, pods);
      } else if (type.equals("pod")) {
        pods.add(node.get(f));
      } else if (type.equals("")) {
        assertTrue(node.get(f).isValueNode() || f.equals("args"), at + "." + f + " is a plain value");
      }
    }
  }

  @Test
  void theFlinkDeploymentUsesOnlyTheOperatorsFieldsAndTheJobsSettings() throws Exception {
    List<JsonNode> docs = k8s();
    JsonNode fd = kind(docs, "FlinkDeployment", "fmselect");
    assertEquals("flink.apache.org/v1beta1", fd.path("apiVersion").asText());
    assertEquals(Set.of("apiVersion", "kind", "metadata", "spec"), fieldNames(fd));
    List<JsonNode> pods = new ArrayList<>();
    onlyKnownFields(fd.get("spec"), specFields(), "spec", pods);
    JsonNode spec = fd.get("spec");
    assertTrue(FLINK_VERSIONS.contains(spec.path("flinkVersion").asText()));
    assertEquals("v2_2", spec.path("flinkVersion").asText(), "the Flink of the image");
    JsonNode job = spec.get("job");
    assertEquals("local:///opt/flink/usrlib/fmselect-job.jar", job.path("jarURI").asText(), "where docker/Dockerfile puts the job");
    assertEquals(ClusterJob.class.getName(), job.path("entryClass").asText());
    assertEquals("savepoint", job.path("upgradeMode").asText());
    assertTrue(Set.of("running", "suspended").contains(job.path("state").asText()));
    assertTrue(job.path("parallelism").asInt() >= 1);

    // flinkConfiguration: string values, the image's job settings (the operator writes config.yaml itself)
    Map<String, String> conf = new HashMap<>();
    spec.get("flinkConfiguration").fields().forEachRemaining(e -> {
      assertTrue(e.getValue().isTextual(), "flinkConfiguration." + e.getKey() + " must be a string");
      conf.put(e.getKey(), e.getValue().asText());
    });
    Map<String, String> image = flink(DOCKER.resolve("conf")).toMap();
    Set<String> containerOnly = Set.of("env.java.default-opts.all", "jobmanager.rpc.address", "jobmanager.bind-host",
        "taskmanager.bind-host", "rest.address", "rest.bind-address", "rest.port", "jobmanager.memory.process.size",
        "taskmanager.memory.process.size", "parallelism.default", "jobmanager.execution.failover-strategy",
        "execution.checkpointing.dir", "execution.checkpointing.savepoint-dir");
    for (var e : image.entrySet()) {
      if (!containerOnly.contains(e.getKey())) {
        assertEquals(e.getValue(), conf.get(e.getKey()), "flinkConfiguration." + e.getKey());
      }
    }
    assertFalse(conf.containsKey("env.java.default-opts.all"), "the operator's own Java 17 options stay");
    assertEquals(image.get("jobmanager.memory.process.size"), spec.at("/jobManager/resource/memory").asText());
    assertEquals(image.get("taskmanager.memory.process.size"), spec.at("/taskManager/resource/memory").asText());

    // the pod template: the operator's container name, mounts of declared volumes, volumes of this folder
    assertEquals(1, pods.size());
    JsonNode pod = pods.get(0);
    JsonNode container = pod.at("/spec/containers/0");
    assertEquals("flink-main-container", container.path("name").asText());
    Map<String, String> mounts = new HashMap<>();
    container.get("volumeMounts").forEach(m -> mounts.put(m.path("name").asText(), m.path("mountPath").asText()));
    Set<String> volumes = new HashSet<>();
    for (JsonNode v : pod.at("/spec/volumes")) {
      volumes.add(v.path("name").asText());
      if (v.has("configMap")) {
        kind(docs, "ConfigMap", v.at("/configMap/name").asText());
      } else if (v.has("secret")) {
        kind(docs, "Secret", v.at("/secret/secretName").asText());
      } else {
        kind(docs, "PersistentVolumeClaim", v.at("/persistentVolumeClaim/claimName").asText());
      }
    }
    assertEquals(volumes, mounts.keySet());
    for (String dir : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
      String path = conf.get(dir).substring("file://".length());
      assertTrue(path.startsWith(mounts.get("flink-state") + "/"), dir + " on the state volume: " + path);
    }

    // the job's flags, with the ConfigMap's specs as the models folder and the Secret as the properties file
    List<String> args = new ArrayList<>();
    job.get("args").forEach(a -> args.add(a.asText()));
    Path models = Files.createDirectories(tmp.resolve("models"));
    JsonNode specs = kind(docs, "ConfigMap", "fmselect-models").get("data");
    String modelFiles = mounts.get("fm-model-files") + "/";
    Map<String, Integer> dims = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = specs.fields(); it.hasNext(); ) {
      var e = it.next();
      String text = e.getValue().asText();
      Matcher m = Pattern.compile("(?m)^model: (.*)$").matcher(text);
      assertTrue(m.find(), e.getKey());
      assertTrue(m.group(1).startsWith(modelFiles), "the model file lies on the model-files volume: " + m.group(1));
      Path model = tmp.resolve("model-files").resolve(m.group(1).substring(modelFiles.length()));
      Files.createDirectories(model.getParent());
      Files.write(model, new byte[0]);
      Files.writeString(models.resolve(e.getKey()), text.replace(m.group(1), model.toString()));
    }
    JsonNode secret = kind(docs, "Secret", "fmselect-kafka-client");
    Properties kafkaProps = new Properties();
    kafkaProps.load(new StringReader(secret.at("/stringData/client.properties").asText()));
    Set<String> clientKeys = new TreeSet<>(ProducerConfig.configNames());
    clientKeys.addAll(ConsumerConfig.configNames());
    assertFalse(kafkaProps.isEmpty());
    for (String k : kafkaProps.stringPropertyNames()) {
      assertTrue(clientKeys.contains(k), "a Kafka client setting: " + k);
    }
    Path propsFile = tmp.resolve("client.properties");
    Files.writeString(propsFile, secret.at("/stringData/client.properties").asText());
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--models")) {
        assertEquals(mounts.get("fm-specs"), args.get(i + 1));
        args.set(i + 1, models.toString());
      } else if (args.get(i).equals("--kafka-properties")) {
        assertEquals(mounts.get("kafka-client") + "/client.properties", args.get(i + 1));
        args.set(i + 1, propsFile.toString());
      }
    }
    assertFalse(args.contains("--parallelism"), "job.parallelism decides");
    StreamConfig config = runArgs(args);
    assertEquals(List.of("clip-vitb32", "dinov2-vits14"), config.fmNames().stream().sorted().toList());
    assertNotNull(config.embedding());
  }

  /**
   * The schema registry of docker/k8s: a Deployment of the compose file's registry image that is ready when
   * the API answers, a Service that selects its pod and reaches its port, and the job's --schema-registry naming
   * that Service, its port and the API's path.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theRegistryOnKubernetesIsTheServiceTheJobNames() throws Exception {
    List<JsonNode> docs = k8s();
    JsonNode deployment = kind(docs, "Deployment", "fmselect-registry");
    JsonNode service = kind(docs, "Service", "fmselect-registry");
    assertEquals("apps/v1", deployment.path("apiVersion").asText());
    assertEquals("v1", service.path("apiVersion").asText());
    assertEquals(1, deployment.at("/spec/replicas").asInt(), "in memory: one registry, or ids differ between pods");
    JsonNode labels = deployment.at("/spec/template/metadata/labels");
    assertEquals(deployment.at("/spec/selector/matchLabels"), labels);
    assertEquals(service.at("/spec/selector"), labels, "the Service selects the registry's pod");

    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertEquals(1, deployment.at("/spec/template/spec/containers").size());
    assertEquals(service(compose(), "registry").get("image"), container.path("image").asText(), "compose's registry");
    JsonNode containerPort = container.at("/ports/0");
    assertEquals(containerPort(service(compose(), "registry")), containerPort.path("containerPort").asInt());
    JsonNode servicePort = service.at("/spec/ports/0");
    assertEquals(containerPort.path("name").asText(), servicePort.path("targetPort").asText(), "the Service reaches it");
    JsonNode probe = container.at("/readinessProbe/httpGet");
    assertEquals(RegistryServer.API_PATH + "/subjects", probe.path("path").asText());
    assertEquals(containerPort.path("name").asText(), probe.path("port").asText());

    List<String> args = new ArrayList<>();
    kind(docs, "FlinkDeployment", "fmselect").at("/spec/job/args").forEach(a -> args.add(a.asText()));
    assertEquals("http://" + service.at("/metadata/name").asText() + ":" + servicePort.path("port").asInt()
        + RegistryServer.API_PATH, args.get(args.indexOf("--schema-registry") + 1));
  }

  static Set<String> fieldNames(JsonNode n) {
    Set<String> s = new TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  // ------------------------------------------------------------------------------------------ Grafana

  /**
   * The Prometheus names of the metrics the job registers, read from the operators' sources the way
   * Flink's Prometheus reporter names them: flink_taskmanager_job_task_operator_ + (user group "_") +
   * name. The live names are checked against a running job by StreamMetricsITCase.
   */
  static Set<String> registeredMetrics() throws IOException {
    String op = "flink_taskmanager_job_task_operator_";
    Set<String> names = new TreeSet<>();
    Path stream = Path.of("fmselect-stream/src/main/java/io/fmselect/stream");
    String selector = Files.readString(stream.resolve("ClassSelector.java"));
    Matcher perClass = Pattern.compile("g\\.gauge\\(\"(\\w+)\"").matcher(selector);
    while (perClass.find()) {
      names.add(op + "class_" + perClass.group(1));
    }
    Matcher operator = Pattern.compile("getMetricGroup\\(\\)\\.(?:gauge|counter)\\(\"(\\w+)\"").matcher(selector);
    while (operator.find()) {
      names.add(op + operator.group(1));
    }
    Matcher fresh = Pattern.compile("g\\.gauge\\(\"(\\w+)\"").matcher(Files.readString(stream.resolve("Freshness.java")));
    while (fresh.find()) {
      names.add(op + fresh.group(1));
    }
    String rejects = Files.readString(stream.resolve("CountRejects.java"));
    assertTrue(rejects.contains("addGroup(\"rejects\")") && rejects.contains("counter(\"rejectsTotal\")")
        && rejects.contains("meter(\"rejectsPerSecond\""), "CountRejects registers what this test assumes");
    for (String r : Reasons.ALL) {
      names.add(op + "rejects_" + r.replace('-', '_'));
    }
    names.add(op + "rejectsTotal");
    names.add(op + "rejectsPerSecond");
    return names;
  }

  /** Flink's own job metrics of the JobManager that the dashboard shows (Flink's metrics documentation, "Checkpointing"). */
  static final Set<String> FLINK_JOB_METRICS = Set.of("flink_jobmanager_job_lastCheckpointDuration",
      "flink_jobmanager_job_lastCheckpointSize", "flink_jobmanager_job_numberOfFailedCheckpoints");

  /** The metric names the dashboard's queries use. */
  static Set<String> dashboardMetrics() throws IOException {
    JsonNode d = JSON.readTree(DOCKER.resolve("grafana/dashboards/fmselect.json").toFile());
    Set<String> names = new TreeSet<>();
    Pattern metric = Pattern.compile("\\bflink_\\w+");
    List<String> exprs = new ArrayList<>();
    d.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
    d.at("/templating/list").forEach(v -> exprs.add(v.at("/query/query").asText()));
    for (String e : exprs) {
      Matcher m = metric.matcher(e);
      while (m.find()) {
        names.add(m.group());
      }
    }
    return names;
  }

  @Test
  void theDashboardAsksOnlyForMetricsTheJobRegisters() throws IOException {
    Set<String> registered = registeredMetrics();
    assertTrue(registered.containsAll(List.of("flink_taskmanager_job_task_operator_class_members",
        "flink_taskmanager_job_task_operator_eventTimeLag", "flink_taskmanager_job_task_operator_rejects_late")),
        registered.toString());
    Set<String> used = dashboardMetrics();
    for (String name : used) {
      assertTrue(registered.contains(name) || FLINK_JOB_METRICS.contains(name), "not a metric of the job: " + name);
    }
    String op = "flink_taskmanager_job_task_operator_";
    for (String needed : List.of("class_members", "class_selected", "class_churn", "class_recomputeMillis",
        "eventTimeLag", "members", "selected")) {
      assertTrue(used.contains(op + needed), "the dashboard shows " + needed);
    }
    for (String r : Reasons.ALL) {
      assertTrue(used.contains(op + "rejects_" + r.replace('-', '_')), "rejects by reason: " + r);
    }
    assertTrue(used.contains("flink_jobmanager_job_lastCheckpointDuration"));

    JsonNode d = JSON.readTree(DOCKER.resolve("grafana/dashboards/fmselect.json").toFile());
    Set<Integer> ids = new HashSet<>();
    String uid = YAML.readTree(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml").toFile())
        .at("/datasources/0/uid").asText();
    d.path("panels").forEach(p -> {
      assertTrue(ids.add(p.path("id").asInt()), "panel ids are unique");
      if (!p.path("type").asText().equals("row")) {
        assertEquals(uid, p.at("/datasource/uid").asText(), "the provisioned data source");
        assertTrue(p.path("targets").size() > 0, p.path("title").asText());
      }
    });
    assertEquals("/var/lib/grafana/dashboards", YAML.readTree(
        DOCKER.resolve("grafana/provisioning/dashboards/fmselect.yaml").toFile()).at("/providers/0/options/path").asText());
  }
}
