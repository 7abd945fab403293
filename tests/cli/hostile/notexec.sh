#!/bin/sh
echo loss=1
