package qmig.stream.vmstate;

/** How many elements a field has (vmstate.md §3.2). */
public sealed interface Count {

    /** {@code VMS_SINGLE}: one element, decoded as a plain value (not an array). */
    record Single() implements Count {
    }

    /** {@code VMS_ARRAY}: {@code n} elements. */
    record Fixed(int n) implements Count {
        public Fixed {
            if (n < 0) {
                throw new IllegalArgumentException("negative count " + n);
            }
        }
    }

    /**
     * {@code VMS_VARRAY_*}: the count is the decoded value of an earlier field, looked up by name
     * in the same object and then in enclosing ones; times {@code multiplier}
     * ({@code VMS_MULTIPLY_ELEMENTS}, else 1). A negative count means no elements.
     */
    record FromField(String field, int multiplier) implements Count {
    }

    Count SINGLE = new Single();
}
