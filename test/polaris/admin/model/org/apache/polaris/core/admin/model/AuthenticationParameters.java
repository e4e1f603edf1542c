package org.apache.polaris.core.admin.model;

/** Stand-in: see ../../../../../../README.md. */
public class AuthenticationParameters {
  public enum AuthenticationTypeEnum { OAUTH, BEARER, SIGV4, IMPLICIT, GCP }
}
