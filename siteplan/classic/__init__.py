"""The classic location models (p-median, p-center, LSCP, MCLP, UFLP, CFLP), their instance
readers (OR-Library, UflLib, TSPLIB, cost matrices) and the solver benchmark harness."""
