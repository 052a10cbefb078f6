"""Child process for the kill -9 test: quarantines batches of real broken records until killed."""

from __future__ import annotations

import sys

from shapes.quarantine import Entry, QuarantineStore

if __name__ == "__main__":
    path, ntriples = sys.argv[1], sys.stdin.read()
    results = [
        {
            "shape": "core:Dataset-description",
            "path": "dct:description",
            "value": "",
            "message": "The dataset has no description.",
            "severity": "Violation",
            "focus": "",
        }
    ]
    with QuarantineStore(path) as store:
        batch = 0
        while True:
            store.put_many(
                [
                    Entry("crash", f"oai:{batch}:{i}", f"g:{batch}:{i}", "0" * 64, ntriples, results)
                    for i in range(50)
                ],
                run_id=batch,
            )
            print(batch, flush=True)  # batch committed
            batch += 1
