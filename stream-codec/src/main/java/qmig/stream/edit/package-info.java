/**
 * Edits of a decoded migration stream: set a field, drop a section, rename a section, with the
 * VMDESCRIPTION trailer kept consistent. The edited model is encoded by
 * {@link qmig.stream.grammar.StreamWriter}, so everything not edited keeps its bytes.
 *
 * <p>Fields are addressed as {@code qmig dump --paths} prints them:
 * {@code IDSTR[/INSTANCE].FIELD[.SUB][[i]]...}, with QEMU's {@code [k]} suffix for a name that
 * repeats and a subsection entered by its wire name ({@code timer.timer/icount.qemu_icount}).
 */
package qmig.stream.edit;
