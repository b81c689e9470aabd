package qmig.stream.edit;

/**
 * An edit that cannot be applied: an unknown path or section, a value of the wrong type or out
 * of range, a field whose change would alter the section's layout. The message names the path
 * and what was expected. A usage error, not a stream error.
 */
public final class EditException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public EditException(String message) {
        super(message);
    }
}
