package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How Kafka client failures become one line, and what keeps secrets out of the clients' logged settings. */
class KafkaCheckTest {
  @Test
  void aRefusedClientIsAuthenticationFailedOnTheBrokers() {
    assertEquals("authentication failed on b:9093: Authentication failed during authentication due to invalid"
        + " credentials with SASL mechanism SCRAM-SHA-512", KafkaCheck.failure("b:9093", new KafkaException("send",
            new SaslAuthenticationException("Authentication failed during authentication due to invalid credentials"
                + " with SASL mechanism SCRAM-SHA-512"))).getMessage());
    SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed:"
        + " sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path");
    assertEquals("authentication failed on b:9093: SSL handshake failed (unable to find valid certification path)",
        KafkaCheck.failure("b:9093", new SslAuthenticationException("SSL handshake failed", pkix)).getMessage());
  }

  @Test
  void otherFailuresSayWhatTheClientDidAndWhy() {
    KafkaException e = new KafkaException("Failed to construct kafka producer", new KafkaException("Failed to create"
        + " new NetworkClient", new KafkaException("Failed to load SSL keystore /t.p12 of type PKCS12",
            new IOException("keystore password was incorrect"))));
    assertEquals("Kafka at b:9093: Failed to construct kafka producer: Failed to load SSL keystore /t.p12 of type PKCS12"
        + " (keystore password was incorrect)", KafkaCheck.failure("b:9093", e).getMessage());
  }

  @Test
  void quotedPasswordsAreMasked() {
    assertEquals("ScramLoginModule required username=\"u\" password=[hidden]; SCRAM-SHA-512=[name=a,password=[hidden]]",
        KafkaCheck.masked("ScramLoginModule required username=\"u\" password=\"s3 cret\"; SCRAM-SHA-512=[name=a,password=x]"));
  }

  /** Kafka logs its clients' settings with PASSWORD values as [hidden]: what --kafka-properties passes is among them. */
  @Test
  void theClientsSecretSettingsArePasswords() {
    for (ConfigDef def : new ConfigDef[] {ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef()}) {
      for (String key : new String[] {"sasl.jaas.config", "ssl.truststore.password", "ssl.keystore.password", "ssl.key.password"}) {
        assertEquals(ConfigDef.Type.PASSWORD, def.configKeys().get(key).type, key);
      }
    }
  }

  @Test
  void theBrokerOverlayLeavesTheListenersToTheFlags(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("o.properties"), "sasl.enabled.mechanisms=SCRAM-SHA-512\n");
    assertEquals("SCRAM-SHA-512", KafkaCommand.overlay(f).getProperty("sasl.enabled.mechanisms"));
    Files.writeString(f, "listeners=SASL_SSL://0.0.0.0:9093\n");
    UserError e = assertThrows(UserError.class, () -> KafkaCommand.overlay(f));
    assertTrue(e.getMessage().contains("listeners is fmselect's"), e.getMessage());
    assertThrows(UserError.class, () -> KafkaCommand.overlay(dir.resolve("missing.properties")));
  }
}
