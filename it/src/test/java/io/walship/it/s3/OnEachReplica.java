package io.walship.it.s3;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A scenario run once per {@link ReplicaUnderTest}, named after it; the method takes the replica and calls
 * {@link ReplicaScenario#use} first.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@EnumSource(ReplicaUnderTest.class)
@interface OnEachReplica {
}
