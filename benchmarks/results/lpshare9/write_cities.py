import sys, time
from pathlib import Path
from siteplan.generate import CityShape, write_city
for name, shape in [("s3", CityShape(1000, 420, 3, 0.2, 1000)), ("s1", CityShape(1000, 420, 1)), ("s5", CityShape(1000, 420, 5)), ("m2", CityShape(600, 250, 2)), ("l4", CityShape(2000, 800, 4))]:
    t = time.process_time()
    if not (Path("/tmp/lp9")/name/"scenario.yaml").exists():
        write_city(Path("/tmp/lp9")/name, shape)
    print(name, shape, time.process_time()-t, flush=True)
