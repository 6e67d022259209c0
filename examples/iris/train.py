"""Seeded scikit-learn training on the iris data that ships with scikit-learn.

Writes outputs/model.pkl and outputs/metrics.json. With the same seed, the same
library versions and the same data, both files are identical bit for bit.
Usage: python3 train.py [--seed N] [--n-estimators N] [--out DIR]
"""
import argparse
import json
import os
import pickle

from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="random seed (-1: unseeded)")
    parser.add_argument("--n-estimators", type=int, default=50)
    parser.add_argument("--out", default="outputs")
    args = parser.parse_args()
    seed = None if args.seed < 0 else args.seed

    data = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, random_state=0, stratify=data.target
    )
    model = RandomForestClassifier(n_estimators=args.n_estimators, random_state=seed, n_jobs=1)
    model.fit(x_train, y_train)
    accuracy = float(model.score(x_test, y_test))
    proba = model.predict_proba(x_test).mean(axis=0).tolist()

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.pkl"), "wb") as fh:
        pickle.dump(model, fh, protocol=4)
    with open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump({"accuracy": accuracy, "mean_proba": proba, "seed": args.seed}, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(f"accuracy={accuracy:.4f}")


if __name__ == "__main__":
    main()
