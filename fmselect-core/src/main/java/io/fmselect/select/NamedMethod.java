package io.fmselect.select;

/** The name, figure and arity every {@link SelectionMethod} reports, held in one place. */
abstract class NamedMethod implements SelectionMethod {
  private final String name;
  private final String figureName;
  private final boolean multiModel;

  NamedMethod(String name, String figureName, boolean multiModel) {
    this.name = name;
    this.figureName = figureName;
    this.multiModel = multiModel;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String figureName() {
    return figureName;
  }

  @Override
  public final boolean multiModel() {
    return multiModel;
  }
}
