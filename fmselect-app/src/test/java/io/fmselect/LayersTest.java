package io.fmselect;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The project's layers, checked on the production classes of every module (this module's tests see them all): no
 * package cycles; the window package (io.fmselect.stream.window) free of Flink and of the operators; the selection
 * core (select, io) on the JDK and slf4j only; and the module order core, wire, embed, stream, app kept by the
 * packages: a layer uses only the layers below it.
 */
class LayersTest {
  /** The packages of each module, as ArchUnit package patterns. */
  private static final String[] CORE = {"io.fmselect.select..", "io.fmselect.io.."};
  private static final String[] WIRE = {"io.fmselect.wire..", "io.fmselect.avro.."};
  private static final String[] EMBED = {"io.fmselect.embed..", "io.fmselect.models.."};
  private static final String[] STREAM = {"io.fmselect.stream.."};
  private static final String[] APP = {"io.fmselect.cli..", "io.fmselect.demo..", "io.fmselect.quality.."};

  private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar.*");

  private static JavaClasses production;

  @BeforeAll
  static void importProduction() {
    // the rules look at io.fmselect's classes and the names of what they use: Flink, DJL and the JDK are not read
    ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    try {
      production = new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(LayersTest::notTestJar)
          .importPackages("io.fmselect");
    } finally {
      ArchConfiguration.get().reset();
    }
  }

  /** Lower modules' test classes reach this module as test-jars, which DoNotIncludeTests does not recognize. */
  private static boolean notTestJar(Location location) {
    return !location.matches(TEST_JAR)
        && !location.contains("/test-classes/");
  }

  @Test
  void importsEveryModulesProductionClassesOnly() {
    Set<String> packages = new TreeSet<>();
    for (JavaClass c : production) {
      packages.add(c.getPackageName());
    }
    for (String p : new String[] {"io.fmselect.select", "io.fmselect.io", "io.fmselect.wire", "io.fmselect.avro",
        "io.fmselect.embed", "io.fmselect.models", "io.fmselect.stream", "io.fmselect.stream.window",
        "io.fmselect.cli", "io.fmselect.demo", "io.fmselect.quality"}) {
      assertTrue(packages.contains(p), "no production class of " + p + " imported: " + packages);
    }
    // test helpers (the in-JVM Kafka broker of fmselect-stream's test-jar, this module's tests) are not checked
    assertTrue(!packages.contains("io.fmselect.kafka") && !production.contain(LayersTest.class), packages.toString());
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.fmselect.(**)").should().beFreeOfCycles().check(production);
  }

  @Test
  void noCyclesBetweenTopLevelPackages() {
    slices().matching("io.fmselect.(*)..").should().beFreeOfCycles().check(production);
  }

  /** The window computation is plain Java: neither Flink nor the operators around it (package stream itself). */
  @Test
  void windowPackageUsesNeitherFlinkNorTheOperators() {
    noClasses().that().resideInAPackage("io.fmselect.stream.window..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "io.fmselect.stream")
        .check(production);
  }

  @Test
  void coreUsesOnlyTheJdkAndSlf4j() {
    classes().that().resideInAnyPackage(CORE)
        .should().onlyDependOnClassesThat().resideInAnyPackage(
            "java..", "jdk.incubator.vector..", "org.slf4j..", "io.fmselect.select..", "io.fmselect.io..")
        .check(production);
  }

  @Test
  void modulesUseOnlyTheLayersBelow() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("core").definedBy(CORE)
        .layer("wire").definedBy(WIRE)
        .layer("embed").definedBy(EMBED)
        .layer("stream").definedBy(STREAM)
        .layer("app").definedBy(APP)
        .whereLayer("app").mayNotBeAccessedByAnyLayer()
        .whereLayer("stream").mayOnlyBeAccessedByLayers("app")
        .whereLayer("embed").mayOnlyBeAccessedByLayers("stream", "app")
        .whereLayer("wire").mayOnlyBeAccessedByLayers("embed", "stream", "app")
        .check(production);
  }
}
