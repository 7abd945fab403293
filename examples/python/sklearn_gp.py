#!/usr/bin/python3
"""examples/python/sklearn_gp.py: gpbo's GP as a scikit-learn estimator.

Fits gpbo.GaussianProcessRegressor to 60 noisy samples of a 2-input function, prints the
fitted lengthscales and noise, the prediction with its uncertainty at a few points, and the
5-fold cross-validated R^2 of a pipeline (scaling, then the GP) through scikit-learn.

Run (build tree): PYTHONPATH=build/python /usr/bin/python3 examples/python/sklearn_gp.py
Installed: PYTHONPATH=<prefix>/lib/python3/dist-packages /usr/bin/python3 sklearn_gp.py
"""
import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import gpbo


def f(X):
    return np.sin(3.0 * X[:, 0]) + 0.3 * X[:, 1] ** 2


def main():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(60, 2))
    y = f(X) + 0.05 * rng.normal(size=60)

    gp = gpbo.GaussianProcessRegressor(kernel="matern52", n_restarts=4, random_state=0)
    gp.fit(X, y)
    print("fitted:", gp.kernel_)
    print("log marginal likelihood %.3f, noise std %.4f (true 0.05)"
          % (gp.log_marginal_likelihood_value_, np.sqrt(gp.noise_variance_)))

    Xq = np.array([[0.0, 0.0], [1.0, -1.0], [3.0, 3.0]])  # the last is outside the data
    mean, std = gp.predict(Xq, return_std=True)
    for x, m, s, t in zip(Xq, mean, std, f(Xq)):
        print("f(%5.2f, %5.2f) = %7.4f +- %.4f (2 std; true %7.4f)" % (x[0], x[1], m, 2 * s, t))

    pipe = make_pipeline(StandardScaler(), gpbo.GaussianProcessRegressor(n_restarts=1))
    scores = cross_val_score(pipe, X, y, cv=5)
    print("5-fold cross-validated R^2: %.4f +- %.4f" % (scores.mean(), scores.std()))


if __name__ == "__main__":
    main()
