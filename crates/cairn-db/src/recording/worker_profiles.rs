//! Who supervises a worker, and since when they are employed and newly qualified.
