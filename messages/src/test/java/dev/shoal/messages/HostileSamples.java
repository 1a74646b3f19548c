package dev.shoal.messages;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hostile variants of the protocol's records, built by reflection over the sealed families: each
 * record's sample (from {@link ProtocolSamples}) with one component replaced by null, an absurd
 * number (negative, zero, the type's extremes), an empty or oversized string, an absurd duration or
 * instant, an oversized list, or a hostile variant of a nested record. A variant the record's
 * constructor refuses is kept with its refusal, so that a test can check the refusal is clear.
 */
public final class HostileSamples {

  /** Characters of an oversized string: more than Artery's 256 KiB frame in CBOR. */
  public static final int HUGE_STRING_CHARS = 300 * 1024;

  /** Elements of an oversized list. */
  public static final int HUGE_LIST_SIZE = 1_000;

  private static final String HUGE_STRING = "x".repeat(HUGE_STRING_CHARS);

  /** How deep variants of nested records are generated. */
  private static final int NESTING = 2;

  private HostileSamples() {}

  /**
   * One hostile variant.
   *
   * @param description which component of which record got which value
   * @param message the constructed record, null when its constructor refused the value
   * @param refusal the constructor's exception, null when it accepted the value
   */
  public record Variant(String description, Object message, RuntimeException refusal) {
    public Variant {
      Objects.requireNonNull(description, "description");
      if ((message == null) == (refusal == null)) {
        throw new IllegalArgumentException("exactly one of message and refusal");
      }
    }

    public boolean refused() {
      return refusal != null;
    }
  }

  /**
   * The hostile variants of every record of the protocol ({@link ProtocolSamples#system} must be
   * set).
   */
  public static List<Variant> allVariants() throws ReflectiveOperationException {
    List<Variant> variants = new ArrayList<>();
    for (Class<?> type : ProtocolSamples.allMessageClasses()) {
      if (type.isRecord()) {
        variants.addAll(variantsOf(type));
      }
    }
    return variants;
  }

  /** The hostile variants of one record class of the protocol. */
  public static List<Variant> variantsOf(Class<?> type) throws ReflectiveOperationException {
    return variantsOf(ProtocolSamples.samplesOf(type).get(0), NESTING);
  }

  private static List<Variant> variantsOf(Object sample, int depth)
      throws ReflectiveOperationException {
    Class<?> type = sample.getClass();
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      values[i] = components[i].getAccessor().invoke(sample);
      types[i] = components[i].getType();
    }
    Constructor<?> constructor = type.getDeclaredConstructor(types);
    constructor.setAccessible(true);
    List<Variant> variants = new ArrayList<>();
    for (int i = 0; i < components.length; i++) {
      for (Alternative alternative : alternatives(components[i], values[i], depth)) {
        String description =
            type.getSimpleName() + "." + components[i].getName() + " = " + alternative.label();
        if (alternative.refusal() != null) {
          variants.add(new Variant(description, null, alternative.refusal()));
          continue;
        }
        Object[] changed = values.clone();
        changed[i] = alternative.value();
        try {
          variants.add(new Variant(description, constructor.newInstance(changed), null));
        } catch (InvocationTargetException e) {
          if (!(e.getCause() instanceof RuntimeException refusal)) {
            throw e;
          }
          variants.add(new Variant(description, null, refusal));
        }
      }
    }
    return variants;
  }

  /** A value to put in a component, or (for nested records) the refusal building it met. */
  private record Alternative(String label, Object value, RuntimeException refusal) {}

  private static List<Alternative> alternatives(
      RecordComponent component, Object current, int depth) throws ReflectiveOperationException {
    Class<?> type = component.getType();
    List<Alternative> result = new ArrayList<>();
    if (!type.isPrimitive()) {
      result.add(new Alternative("null", null, null));
    }
    if (type == int.class || type == Integer.class) {
      for (int value : new int[] {-1, 0, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
        result.add(new Alternative(String.valueOf(value), value, null));
      }
    } else if (type == long.class || type == Long.class) {
      for (long value : new long[] {-1, 0, Long.MIN_VALUE, Long.MAX_VALUE}) {
        result.add(new Alternative(String.valueOf(value), value, null));
      }
    } else if (type == double.class || type == Double.class) {
      for (double value :
          new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY, Double.MAX_VALUE}) {
        result.add(new Alternative(String.valueOf(value), value, null));
      }
    } else if (type == String.class) {
      result.add(new Alternative("\"\"", "", null));
      result.add(new Alternative(HUGE_STRING_CHARS + " characters", HUGE_STRING, null));
    } else if (type == Duration.class) {
      result.add(new Alternative("-1s", Duration.ofSeconds(-1), null));
      result.add(new Alternative("0s", Duration.ZERO, null));
      result.add(
          new Alternative(
              "the longest duration", Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), null));
    } else if (type == Instant.class) {
      result.add(new Alternative("Instant.MIN", Instant.MIN, null));
      result.add(new Alternative("Instant.MAX", Instant.MAX, null));
    } else if (type == List.class && current instanceof List<?> list && !list.isEmpty()) {
      result.add(
          new Alternative(
              HUGE_LIST_SIZE + " elements",
              Collections.nCopies(HUGE_LIST_SIZE, list.get(0)),
              null));
    } else if (type == Map.class && current instanceof Map<?, ?> map && !map.isEmpty()) {
      result.add(new Alternative("{}", Map.of(), null));
    } else if (depth > 0 && current != null && current.getClass().isRecord()) {
      for (Variant nested : variantsOf(current, depth - 1)) {
        result.add(
            new Alternative("[" + nested.description() + "]", nested.message(), nested.refusal()));
      }
    }
    return result;
  }
}
