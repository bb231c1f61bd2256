package org.hvae4j.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;

/**
 * What a {@link CellSpec} needs to create its cell: the backend, the model's activation, the random stream its
 * parameters are initialized from (models draw every parameter from one stream in a fixed order, so a seed gives the
 * same model), and the registry the parameters are appended to. A <em>planning</em> context ({@code plan} not
 * null; its backend may be null) asks the cell to report its parameter tensors' sizes to the plan and create none
 * ({@link Linear#create(CellContext, String, Param.Role, int[], int)} does so), so that a model's size is checked
 * before anything is allocated.
 */
public record CellContext(Backend backend, Activation activation, SplittableRandom rng, List<Param> registry,
        ParameterPlan plan) {
    /** A context that creates parameters. */
    public CellContext(Backend backend, Activation activation, SplittableRandom rng, List<Param> registry) {
        this(backend, activation, rng, registry, null);
    }

    /** Whether this context only plans (see the class comment). */
    public boolean planning() {
        return plan != null;
    }
}
