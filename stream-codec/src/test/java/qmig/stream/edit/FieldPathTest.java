package qmig.stream.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.vmstate.VmStateValue.Array;
import qmig.stream.vmstate.VmStateValue.Bool;
import qmig.stream.vmstate.VmStateValue.Bytes;
import qmig.stream.vmstate.VmStateValue.Entry;
import qmig.stream.vmstate.VmStateValue.Int;
import qmig.stream.vmstate.VmStateValue.ListValue;
import qmig.stream.vmstate.VmStateValue.Struct;
import qmig.stream.vmstate.VmStateValue.Subsection;
import qmig.stream.vmstate.VmStateValue.Tree;
import qmig.stream.vmstate.VmStateValue.TreeNode;

/** Paths and values of {@code --set}, on a hand-made value with every shape a path can enter. */
class FieldPathTest {

    static Struct sample() {
        Struct seg = new Struct(List.of(new Entry("selector", new Int(0, 4, false)), new Entry("base", new Int(0, 8, false))));
        return new Struct(List.of(
                new Entry("env.regs", new Array(List.of(new Int(1, 8, false), new Int(2, 8, false)))),
                new Entry("env.regs2", new Int(5, 2, true)),
                new Entry("unused", new Bytes(new byte[2])),
                new Entry("unused", new Bytes(new byte[3])),
                new Entry("env.segs", new Array(List.of(seg, seg))),
                new Entry("flag", Bool.FALSE),
                new Entry("small", new Int(0, 1, true)),
                new Entry("q", new ListValue(List.of(seg))),
                new Entry("t", new Tree(List.of(new TreeNode(new Int(7, 8, false), seg))))),
                List.of(new Subsection("cpu/sub", 1, new Struct(List.of(new Entry("x", new Int(0, 4, false)))))));
    }

    static VmStateValue set(String path, String value) {
        Struct s = FieldPath.replace(sample(), path, path, cur -> FieldPath.parse(cur, value, path));
        return FieldPath.get(s, path, path);
    }

    @Test
    void everyScalarIsPrintedWithAPathThatResolvesToIt() {
        List<String> paths = new ArrayList<>();
        FieldPath.walk(sample(), "cpu/0", (p, v) -> {
            paths.add(p);
            assertEquals(v, FieldPath.get(sample(), p.substring("cpu/0.".length()), p));
        });
        assertEquals(List.of("cpu/0.env.regs[0]", "cpu/0.env.regs[1]", "cpu/0.env.regs2", "cpu/0.unused", "cpu/0.unused[1]",
                "cpu/0.env.segs[0].selector", "cpu/0.env.segs[0].base", "cpu/0.env.segs[1].selector",
                "cpu/0.env.segs[1].base", "cpu/0.flag", "cpu/0.small", "cpu/0.q[0].selector", "cpu/0.q[0].base",
                "cpu/0.t[0].key", "cpu/0.t[0].value.selector", "cpu/0.t[0].value.base", "cpu/0.cpu/sub.x"), paths);
    }

    @Test
    void valuesAreParsedByTheFieldsType() {
        assertEquals(new Int(-1, 8, false), set("env.regs[1]", "18446744073709551615"));
        assertEquals(new Int(-1, 8, false), set("env.regs[1]", "0xffffffffffffffff"));
        assertEquals(new Int(-32768, 2, true), set("env.regs2", "-32768"));
        assertEquals(new Int(-1, 1, true), set("small", "0xff"));
        assertEquals(Bool.TRUE, set("flag", "true"));
        assertEquals(Bool.FALSE, set("flag", "0"));
        assertEquals(new Bytes(new byte[] {1, 2, 3}), set("unused[1]", "010203"));
        assertEquals(new Int(9, 4, false), set("q[0].selector", "9"));
        assertEquals(new Int(9, 8, false), set("t[0].value.base", "9"));
        assertEquals(new Int(3, 4, false), set("cpu/sub.x", "3"));
    }

    @Test
    void wrongValuesNameThePathAndTheExpectedType() {
        String[][] cases = {
            {"env.regs2", "32768", "env.regs2=32768: out of range, expected int16 (decimal -32768..32767, or 0x hex up to 4 digits)"},
            {"small", "0x100", "small=0x100: out of range, expected int8"},
            {"env.regs[0]", "-1", "out of range, expected uint64 (decimal 0..18446744073709551615"},
            {"flag", "maybe", "flag=maybe: expected bool (true, false, 1 or 0)"},
            {"unused", "zz", "unused=zz: not hex, expected buffer of 2 bytes (4 hex digits)"},
            {"unused", "010203", "3 bytes, expected buffer of 2 bytes"},
            {"env.regs", "1", "'env.regs' is an array of 2; give an element"},
            {"env.segs[0]", "1", "'env.segs[0]' is a struct; give a field inside it (env.segs[0].FIELD)"},
            {"env.segs[2].base", "1", "index 2 is out of range: 'env.segs' has 2 elements"},
            {"env.regs[x]", "1", "bad index '[x]' after 'env.regs': expected [N]"},
            {"env", "1", "no field 'env' here; the fields are env.regs, env.regs2, unused, unused[1], env.segs, flag"},
            {"cpu/sub", "1", "'cpu/sub' is a subsection; give a field inside it (cpu/sub.FIELD)"},
            {"t[0].nope", "1", "a gtree node is addressed as t[0].key or t[0].value.FIELD"},
            {"flag.x", "1", "'flag' is a bool, it has no fields"},
        };
        for (String[] c : cases) {
            EditException e = assertThrows(EditException.class, () -> set(c[0], c[1]), c[0]);
            assertTrue(e.getMessage().contains(c[2]), c[0] + ": " + e.getMessage());
        }
    }
}
