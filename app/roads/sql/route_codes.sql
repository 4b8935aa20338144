SELECT DISTINCT code FROM roads WHERE code = ANY(:codes)
