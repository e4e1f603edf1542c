package org.apache.polaris.core.admin.model;

/** Stand-in: see ../../../../../../README.md. */
public class StorageConfigInfo {
  public enum StorageTypeEnum { S3, GCS, AZURE, FILE }
}
