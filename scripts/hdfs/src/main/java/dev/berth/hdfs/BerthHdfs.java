package dev.berth.hdfs;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.server.datanode.DataNode;
import org.apache.hadoop.hdfs.server.namenode.NameNode;

/**
 * Test-only launcher for a real single-node HDFS: one NameNode JVM and one DataNode JVM on the same
 * classpath, sharing a generated configuration folder (put it first on the classpath, like
 * HADOOP_CONF_DIR). Used by scripts/hdfs/start.sh and scripts/hdfs/datanode.sh.
 *
 * <pre>
 *   BerthHdfs conf CONF_DIR DATA_DIR   write core-site.xml, hdfs-site.xml, log4j.properties
 *   BerthHdfs format                   NameNode -format -force -nonInteractive
 *   BerthHdfs namenode                 run the NameNode (until killed)
 *   BerthHdfs datanode                 run the DataNode (until killed)
 * </pre>
 *
 * Ports come from environment variables (defaults in brackets): BERTH_HDFS_NN_RPC_PORT [18020],
 * BERTH_HDFS_NN_HTTP_PORT [19870], BERTH_HDFS_DN_PORT [19866], BERTH_HDFS_DN_HTTP_PORT [19864],
 * BERTH_HDFS_DN_IPC_PORT [19867]; BERTH_HDFS_BLOCKSIZE [1048576]; BERTH_HDFS_LS_LIMIT [1000], the page size
 * of LISTSTATUS_BATCH.
 */
public final class BerthHdfs {
  private BerthHdfs() {}

  static String env(String name, String def) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? def : v;
  }

  /** Every key that differs from Hadoop's defaults, for a loopback-only, security-off test cluster. */
  static Map<String, String> settings(File dataDir) {
    String host = "127.0.0.1";
    String nnRpc = env("BERTH_HDFS_NN_RPC_PORT", "18020");
    String nnHttp = env("BERTH_HDFS_NN_HTTP_PORT", "19870");
    String dnData = env("BERTH_HDFS_DN_PORT", "19866");
    String dnHttp = env("BERTH_HDFS_DN_HTTP_PORT", "19864");
    String dnIpc = env("BERTH_HDFS_DN_IPC_PORT", "19867");
    String data = dataDir.getAbsolutePath();
    Map<String, String> s = new TreeMap<>();
    // core-site keys
    s.put("fs.defaultFS", "hdfs://" + host + ":" + nnRpc);
    s.put("hadoop.tmp.dir", data + "/tmp");
    s.put("hadoop.security.authentication", "simple");
    // Shorter waits when a client (the NameNode's own RPC clients, WebHDFS's DataNode-side DFSClient)
    // talks to a dead peer.
    s.put("ipc.client.connect.max.retries", "2");
    s.put("ipc.client.connect.retry.interval", "200");
    // hdfs-site keys
    s.put("dfs.namenode.rpc-address", host + ":" + nnRpc);
    s.put("dfs.namenode.rpc-bind-host", host);
    s.put("dfs.namenode.http-address", host + ":" + nnHttp);
    s.put("dfs.namenode.http-bind-host", host);
    s.put("dfs.namenode.https-address", host + ":0");
    s.put("dfs.namenode.secondary.http-address", host + ":0");
    s.put("dfs.namenode.secondary.https-address", host + ":0");
    s.put("dfs.namenode.backup.address", host + ":0");
    s.put("dfs.namenode.backup.http-address", host + ":0");
    s.put("dfs.namenode.name.dir", "file://" + data + "/name");
    s.put("dfs.datanode.data.dir", "file://" + data + "/data");
    s.put("dfs.datanode.address", host + ":" + dnData);
    s.put("dfs.datanode.http.address", host + ":" + dnHttp);
    s.put("dfs.datanode.https.address", host + ":0");
    s.put("dfs.datanode.ipc.address", host + ":" + dnIpc);
    // The DataNode registers as 127.0.0.1, so WebHDFS 307 redirects name 127.0.0.1, never a hostname
    // (Node may resolve "localhost" to ::1 first).
    s.put("dfs.datanode.hostname", host);
    s.put("dfs.datanode.use.datanode.hostname", "false");
    s.put("dfs.client.use.datanode.hostname", "false");
    s.put("dfs.namenode.datanode.registration.ip-hostname-check", "false");
    s.put("dfs.webhdfs.enabled", "true");
    s.put("dfs.replication", "1");
    s.put("dfs.permissions.enabled", "false");
    s.put("dfs.namenode.safemode.extension", "0");
    s.put("dfs.namenode.safemode.min.datanodes", "0");
    s.put("dfs.blocksize", env("BERTH_HDFS_BLOCKSIZE", "1048576"));
    s.put("dfs.namenode.fs-limits.min-block-size", "1048576");
    // Entries per LISTSTATUS_BATCH page (and per internal listing RPC); small values test paging.
    s.put("dfs.ls.limit", env("BERTH_HDFS_LS_LIMIT", "1000"));
    // Faster liveness: heartbeat every 1 s; a silent DataNode is declared dead after
    // 2 * recheck + 10 * heartbeat = 2 * 5 s + 10 * 1 s = 20 s.
    s.put("dfs.heartbeat.interval", "1");
    s.put("dfs.namenode.heartbeat.recheck-interval", "5000");
    s.put("dfs.namenode.stale.datanode.interval", "5000");
    // A single DataNode: never try to replace it on a write pipeline failure.
    s.put("dfs.client.block.write.replace-datanode-on-failure.enable", "false");
    // Small, quiet test cluster.
    s.put("dfs.namenode.handler.count", "10");
    s.put("dfs.datanode.handler.count", "5");
    s.put("dfs.namenode.service.handler.count", "5");
    s.put("dfs.datanode.max.transfer.threads", "256");
    s.put("dfs.namenode.audit.log.async", "false");
    return s;
  }

  static void writeSite(File file, Map<String, String> keys) throws IOException {
    Configuration c = new Configuration(false);
    for (Map.Entry<String, String> e : keys.entrySet()) {
      c.set(e.getKey(), e.getValue(), "berth");
    }
    try (OutputStream out = new FileOutputStream(file)) {
      c.writeXml(out);
    }
  }

  static void writeConf(File confDir, File dataDir) throws IOException {
    if (!confDir.isDirectory() && !confDir.mkdirs()) {
      throw new IOException("cannot create " + confDir);
    }
    Map<String, String> all = settings(dataDir);
    Map<String, String> core = new TreeMap<>();
    Map<String, String> hdfs = new TreeMap<>();
    for (Map.Entry<String, String> e : all.entrySet()) {
      (e.getKey().startsWith("dfs.") ? hdfs : core).put(e.getKey(), e.getValue());
    }
    writeSite(new File(confDir, "core-site.xml"), core);
    writeSite(new File(confDir, "hdfs-site.xml"), hdfs);
    String log4j = String.join("\n",
        "# Written by BerthHdfs. Each JVM logs to stdout; start.sh sends that to a file.",
        "log4j.rootLogger=INFO,console",
        "log4j.appender.console=org.apache.log4j.ConsoleAppender",
        "log4j.appender.console.target=System.out",
        "log4j.appender.console.layout=org.apache.log4j.PatternLayout",
        "log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n",
        "log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN",
        "log4j.logger.BlockStateChange=WARN",
        "log4j.logger.org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace=WARN",
        "log4j.logger.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit=WARN",
        "log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR",
        "log4j.logger.org.apache.hadoop.metrics2=WARN",
        "log4j.logger.org.eclipse.jetty=WARN",
        "# One line per HTTP request to the NameNode and DataNode web servers: off.",
        "log4j.logger.http.requests=WARN",
        "");
    Files.write(new File(confDir, "log4j.properties").toPath(), log4j.getBytes(StandardCharsets.UTF_8));
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: BerthHdfs conf CONF_DIR DATA_DIR | format | namenode | datanode");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "conf":
        if (rest.length != 2) {
          System.err.println("usage: BerthHdfs conf CONF_DIR DATA_DIR");
          System.exit(2);
        }
        writeConf(new File(rest[0]), new File(rest[1]));
        return;
      case "format":
        NameNode.main(new String[] {"-format", "-force", "-nonInteractive"});
        return;
      case "namenode":
        NameNode.main(rest);
        return;
      case "datanode":
        DataNode.main(rest);
        return;
      default:
        System.err.println("unknown role " + args[0]);
        System.exit(2);
    }
  }
}
