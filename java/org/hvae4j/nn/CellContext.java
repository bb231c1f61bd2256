package org.hvae4j.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;

/**
 * What a {@link CellSpec} needs to create its cell: the backend, the model's activation, the random stream its
 * parameters are initialized from (models draw every parameter from one stream in a fixed order, so a seed gives the
 * same model), and the registry the parameters are appended to.
 */
public record CellContext(Backend backend, Activation activation, SplittableRandom rng, List<Param> registry) {}
