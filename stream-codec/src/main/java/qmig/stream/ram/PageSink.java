package qmig.stream.ram;

/** CONTRACT STUB: receives page contents as they are decoded. */
public interface PageSink {
    PageSink NONE = new PageSink() {
    };
}
