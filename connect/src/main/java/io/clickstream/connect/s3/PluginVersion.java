package io.clickstream.connect.s3;

/** The plugin's version, from the jar manifest (Implementation-Version). */
final class PluginVersion {
  private PluginVersion() {}

  static String get() {
    String v = PluginVersion.class.getPackage().getImplementationVersion();
    return v != null ? v : "unknown";
  }
}
