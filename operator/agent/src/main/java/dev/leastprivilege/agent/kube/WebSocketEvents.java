package dev.leastprivilege.agent.kube;

import io.fabric8.kubernetes.client.http.WebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A watch's events read from a WebSocket, as a stream of JSON objects like an HTTP watch's. Only
 * for servers that serve watches over WebSocket alone: fabric8's mock API server, which {@code lpo
 * local} runs (a real API server serves both, and the agent in a pod uses HTTP).
 */
final class WebSocketEvents extends InputStream implements WebSocket.Listener {
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
  private volatile WebSocket socket;
  private byte[] current;
  private int position;

  @Override
  public void onOpen(WebSocket webSocket) {
    socket = webSocket;
    webSocket.request();
  }

  @Override
  public void onMessage(WebSocket webSocket, String text) {
    messages.add((text + "\n").getBytes(StandardCharsets.UTF_8));
    webSocket.request();
  }

  @Override
  public void onMessage(WebSocket webSocket, ByteBuffer bytes) {
    byte[] b = new byte[bytes.remaining()];
    bytes.get(b);
    messages.add(b);
    webSocket.request();
  }

  @Override
  public void onClose(WebSocket webSocket, int code, String reason) {
    messages.add(END);
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    messages.add(END);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (current == END) {
      return -1;
    }
    if (current == null || position == current.length) {
      try {
        current = messages.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("the watch was interrupted");
      }
      position = 0;
      if (current == END) {
        return -1;
      }
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, buf, off, n);
    position += n;
    return n;
  }

  @Override
  public void close() {
    messages.add(END);
    WebSocket s = socket;
    if (s != null) {
      s.sendClose(1000, "closed by the agent");
    }
  }
}
