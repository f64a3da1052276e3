package dev.leastprivilege.webhook.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client context that trusts only the CA certificates given, as the API server's caBundle.
 */
public final class TrustedCa {
  private TrustedCa() {}

  /** A context trusting every certificate in {@code caPem} and nothing else. */
  public static SSLContext context(String caPem) throws GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try {
      trust.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot make a trust store: " + e.getMessage(), e);
    }
    int i = 0;
    for (X509Certificate c : Pems.certificates(caPem)) {
      trust.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }
}
