package dev.leastprivilege.webhook.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's TLS without cert-manager: a CA and a serving certificate kept in one Secret of the
 * operator's namespace, and the CA written into the MutatingWebhookConfiguration's caBundle. Every
 * replica runs {@link #upkeep()} on start and every minute; the Secret's resourceVersion settles
 * races between replicas (the loser reads the winner's certificate), and a caBundle reset by {@code
 * helm upgrade} is put back.
 */
public final class SelfManagedTls implements KeyMaterial {
  private static final Logger LOG = LoggerFactory.getLogger(SelfManagedTls.class);
  static final String CA_CRT = "ca.crt";
  static final String CA_KEY = "ca.key";
  static final String TLS_CRT = "tls.crt";
  static final String TLS_KEY = "tls.key";

  /**
   * Renew a serving certificate this long before it expires; the CA likewise, with a year to spare.
   */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  static final Duration CA_RENEW_BEFORE = Duration.ofDays(365);

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String webhookConfigName;
  private final List<String> dnsNames;
  private final List<String> ipAddresses;
  private volatile Secret secret;

  public SelfManagedTls(
      KubernetesClient client,
      String namespace,
      String secretName,
      String webhookConfigName,
      List<String> dnsNames,
      List<String> ipAddresses) {
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    this.webhookConfigName = webhookConfigName;
    this.dnsNames = dnsNames;
    this.ipAddresses = ipAddresses;
  }

  /**
   * Makes sure the Secret holds a valid certificate for our names and the caBundle trusts its CA.
   */
  public synchronized void upkeep() {
    Secret current = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (current == null || needsNewCertificate(current)) {
      current = issue(current);
    }
    secret = current;
    syncCaBundle(data(current, CA_CRT));
  }

  /** The CA certificate (PEM) clients must trust, once upkeep has run. */
  public Optional<String> caCertificate() {
    return Optional.ofNullable(secret).map(s -> data(s, CA_CRT));
  }

  @Override
  public Optional<Pem> current() {
    Secret s = secret;
    return s == null ? Optional.empty() : Optional.of(new Pem(data(s, TLS_CRT), data(s, TLS_KEY)));
  }

  @Override
  public String describe() {
    return "Secret " + namespace + "/" + secretName + " (self-managed CA)";
  }

  private boolean needsNewCertificate(Secret s) {
    String crt = data(s, TLS_CRT);
    String ca = data(s, CA_CRT);
    if (crt == null || ca == null || data(s, TLS_KEY) == null || data(s, CA_KEY) == null) {
      return true;
    }
    try {
      X509Certificate leaf = Pems.certificates(crt).get(0);
      X509Certificate caCert = Pems.certificates(ca).get(0);
      leaf.verify(caCert.getPublicKey());
      Instant renewAt = leaf.getNotAfter().toInstant().minus(RENEW_BEFORE);
      return Instant.now().isAfter(renewAt)
          || !names(leaf).containsAll(wantedNames())
          || Instant.now().isAfter(caCert.getNotAfter().toInstant().minus(CA_RENEW_BEFORE));
    } catch (Exception e) {
      LOG.warn(
          "the certificate in {} is unusable ({}); issuing a new one", describe(), e.getMessage());
      return true;
    }
  }

  private Secret issue(Secret existing) {
    CertificateIssuer.Issued ca =
        existing != null && usableCa(existing)
            ? new CertificateIssuer.Issued(data(existing, CA_CRT), data(existing, CA_KEY))
            : CertificateIssuer.newCa("least-privilege-operator webhook CA");
    CertificateIssuer.Issued serving = CertificateIssuer.serving(ca, dnsNames, ipAddresses);
    Map<String, String> data =
        Map.of(
            CA_CRT,
            b64(ca.certificate()),
            CA_KEY,
            b64(ca.privateKey()),
            TLS_CRT,
            b64(serving.certificate() + ca.certificate()),
            TLS_KEY,
            b64(serving.privateKey()));
    try {
      Secret written;
      if (existing == null) {
        written =
            client
                .resource(
                    new SecretBuilder()
                        .withNewMetadata()
                        .withName(secretName)
                        .withNamespace(namespace)
                        .addToLabels("app.kubernetes.io/managed-by", "least-privilege-operator")
                        .endMetadata()
                        .withType("Opaque")
                        .withData(data)
                        .build())
                .create();
      } else {
        existing.setData(data);
        written = client.resource(existing).update();
      }
      LOG.info("issued a webhook certificate for {} {} into {}", dnsNames, ipAddresses, describe());
      return written;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Another replica wrote first: use its certificate.
      return client.secrets().inNamespace(namespace).withName(secretName).get();
    }
  }

  private boolean usableCa(Secret s) {
    try {
      X509Certificate ca = Pems.certificates(data(s, CA_CRT)).get(0);
      Pems.privateKey(data(s, CA_KEY));
      return Instant.now().isBefore(ca.getNotAfter().toInstant().minus(CA_RENEW_BEFORE));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void syncCaBundle(String caPem) {
    if (webhookConfigName == null || caPem == null) {
      return;
    }
    var resource =
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withName(webhookConfigName);
    MutatingWebhookConfiguration config = resource.get();
    if (config == null) {
      LOG.warn(
          "MutatingWebhookConfiguration {} not found; nothing to put the CA into yet",
          webhookConfigName);
      return;
    }
    String bundle = b64(caPem);
    if (config.getWebhooks().stream()
        .allMatch(w -> bundle.equals(w.getClientConfig().getCaBundle()))) {
      return;
    }
    resource.edit(
        c -> {
          for (MutatingWebhook w : c.getWebhooks()) {
            w.getClientConfig().setCaBundle(bundle);
          }
          return c;
        });
    LOG.info("wrote the webhook CA into MutatingWebhookConfiguration {}", webhookConfigName);
  }

  private Set<String> wantedNames() {
    Set<String> wanted = new HashSet<>(dnsNames);
    ipAddresses.forEach(ip -> wanted.add(canonicalIp(ip)));
    return wanted;
  }

  private static Set<String> names(X509Certificate cert) throws CertificateParsingException {
    Set<String> out = new HashSet<>();
    if (cert.getSubjectAlternativeNames() != null) {
      for (List<?> san : cert.getSubjectAlternativeNames()) {
        String value = String.valueOf(san.get(1));
        out.add(((Integer) san.get(0)) == 7 ? canonicalIp(value) : value);
      }
    }
    return out;
  }

  private static String canonicalIp(String ip) {
    try {
      return InetAddress.getByName(ip).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return ip;
    }
  }

  private static String data(Secret s, String key) {
    String v = s.getData() == null ? null : s.getData().get(key);
    return v == null || v.isEmpty()
        ? null
        : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
