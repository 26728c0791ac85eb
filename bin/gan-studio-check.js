#!/usr/bin/env node
'use strict';
require('../dist/check.js');
